//! Procedural time limits: the rule book as data, and the calculator that turns a start into a
//! due date under Polish rules.
//!
//! The rule book (`crates/model/data/rule-book.json`, and newer ones a coordinator's server
//! distributes) names each limit with its length and unit, what it runs from, whether its end
//! moves to the next working day, its legal basis and the dates it is in force; and the public
//! holidays. Counting (`docs/deadlines.md`):
//! - days: from the day after the event (KPA art. 57 §1–2, PPSA art. 83 §1, KPK art. 123 §1);
//! - weeks: the same day of the week in the last week; months: the same day of the month in the
//!   last month, or that month's last day when it has none (KPA art. 57 §3–3a);
//! - working days: each Saturday, Sunday and holiday left out;
//! - hours: from the hour of the event, never moved (detention: u.o.c. art. 394);
//! - a limit of days, weeks or months ending on a Saturday, Sunday or holiday moves to the next
//!   working day (KPA art. 57 §4, PPSA art. 83 §2, KPK art. 123 §3) unless it is a time to leave
//!   or to be somewhere (voluntary departure, leaving Poland): those never move, so that no one
//!   overstays by relying on a shift.

use std::sync::OnceLock;

use chrono::{Duration, Months, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::date::IsoDate;
use crate::error::ModelError;
use crate::holidays::{Calendar, HolidayRule};

/// What a limit is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Days,
    Weeks,
    Months,
    WorkingDays,
    Hours,
    /// A day the law names (`ends_on`), whatever the event.
    Date,
}

impl Unit {
    /// The longest limit of this unit a rule book may state.
    fn max(self) -> u32 {
        match self {
            Unit::Days => 366,
            Unit::Weeks => 52,
            Unit::Months => 36,
            Unit::WorkingDays => 60,
            Unit::Hours => 720,
            Unit::Date => 0,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Unit::Days => "days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
            Unit::WorkingDays => "working days",
            Unit::Hours => "hours",
            Unit::Date => "",
        }
    }
}

/// Whether the end of a limit moves off a Saturday, Sunday or holiday, and by which law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Shift {
    /// KPA art. 57 §4.
    Kpa,
    /// PPSA art. 83 §2.
    Ppsa,
    /// KPK art. 123 §3 (detention: u.o.c. art. 404).
    Kpk,
    /// Never moves: a time to leave or to be somewhere, a maximum period, hours.
    None,
}

impl Shift {
    fn basis(self) -> Option<&'static str> {
        match self {
            Shift::Kpa => Some("KPA art. 57 §4"),
            Shift::Ppsa => Some("PPSA art. 83 §2"),
            Shift::Kpk => Some("KPK art. 123 §3"),
            Shift::None => None,
        }
    }
}

/// A rule's name in the four languages of the interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RuleNames {
    pub pl: String,
    pub en: String,
    pub uk: String,
    pub ru: String,
}

/// One procedural time limit as the rule book states it, for the period it is in force.
/// A rule whose law changed appears once per period, under the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    pub id: String,
    /// The procedure it belongs to: `residence`, `asylum`, `return`, `detention`, `court`,
    /// `ukraine`.
    pub track: String,
    /// The length in `unit` (for a limit the decision sets within a range: the longest).
    pub limit: u32,
    pub unit: Unit,
    /// A limit the decision sets within a range (voluntary departure): the shortest; the days
    /// the decision set are asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// The event that starts the limit: `delivery`, `announcement_or_delivery`, `arrest`...
    pub runs_from: String,
    pub shift: Shift,
    pub names: RuleNames,
    pub basis: String,
    /// `high`, or `verify` where the rule still needs a lawyer's confirmation.
    pub confidence: String,
    /// The first day of events this version counts (YYYY-MM-DD), if the law changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force_from: Option<String>,
    /// The last day of events this version counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force_until: Option<String>,
    /// Unit `date`: the day the law names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn date_field(
    rule: &str,
    field: &str,
    value: &Option<String>,
) -> Result<Option<NaiveDate>, String> {
    value
        .as_deref()
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| format!("rule '{rule}': {field} '{s}' is not YYYY-MM-DD"))
        })
        .transpose()
}

impl DeadlineRule {
    fn first_day(&self) -> Option<NaiveDate> {
        date_field(&self.id, "", &self.in_force_from).ok().flatten()
    }

    fn last_day(&self) -> Option<NaiveDate> {
        date_field(&self.id, "", &self.in_force_until)
            .ok()
            .flatten()
    }

    /// Whether this version counts an event on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.first_day().is_none_or(|f| day >= f) && self.last_day().is_none_or(|u| day <= u)
    }

    fn check(&self) -> Result<(), String> {
        let id = &self.id;
        if id.is_empty()
            || id.len() > 60
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "rule id '{id}': lower-case letters, digits and '-', at most 60"
            ));
        }
        if id == CUSTOM_DAYS || id == CUSTOM_DATE {
            return Err(format!(
                "rule id '{id}' is kept for limits the decision or court set"
            ));
        }
        let n = &self.names;
        if [&n.pl, &n.en, &n.uk, &n.ru]
            .iter()
            .any(|s| s.trim().is_empty())
        {
            return Err(format!("rule '{id}': a name in each of pl, en, uk, ru"));
        }
        if self.basis.trim().is_empty()
            || self.runs_from.trim().is_empty()
            || self.track.trim().is_empty()
        {
            return Err(format!(
                "rule '{id}': basis, runs_from and track are needed"
            ));
        }
        if self.confidence != "high" && self.confidence != "verify" {
            return Err(format!("rule '{id}': confidence is 'high' or 'verify'"));
        }
        let from = date_field(id, "in_force_from", &self.in_force_from)?;
        let until = date_field(id, "in_force_until", &self.in_force_until)?;
        if let (Some(f), Some(u)) = (from, until) {
            if f > u {
                return Err(format!(
                    "rule '{id}': in force from {f} until {u}, an empty period"
                ));
            }
        }
        let ends_on = date_field(id, "ends_on", &self.ends_on)?;
        match (self.unit, ends_on) {
            (Unit::Date, None) => return Err(format!("rule '{id}': unit 'date' needs ends_on")),
            (Unit::Date, Some(_)) if self.limit != 0 => {
                return Err(format!("rule '{id}': unit 'date' has limit 0"))
            }
            (Unit::Date, Some(_)) => {}
            (_, Some(_)) => return Err(format!("rule '{id}': ends_on is only for unit 'date'")),
            (unit, None) if self.limit == 0 || self.limit > unit.max() => {
                return Err(format!(
                    "rule '{id}' has an impossible limit of {} {} (1 to {})",
                    self.limit,
                    unit.word(),
                    unit.max()
                ))
            }
            _ => {}
        }
        if let Some(min) = self.min {
            if self.unit != Unit::Days || min == 0 || min > self.limit {
                return Err(format!(
                    "rule '{id}': a range is in days, 1 <= min <= limit"
                ));
            }
        }
        if self.unit == Unit::Hours && self.shift != Shift::None {
            return Err(format!(
                "rule '{id}': a limit in hours never moves (shift 'none')"
            ));
        }
        Ok(())
    }
}

/// The rule book as a file: its version, the holidays and the rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBookFile {
    format: u32,
    version: String,
    serial: u64,
    published: String,
    #[serde(default)]
    note: Option<String>,
    holidays: Vec<HolidayRule>,
    rules: Vec<DeadlineRule>,
}

/// The format of rule book files this Punkt reads.
pub const RULE_BOOK_FORMAT: u32 = 1;
/// The largest rule book file accepted.
pub const MAX_RULE_BOOK_BYTES: usize = 1 << 20;

/// The rule book: which limits there are and how they count, and the public holidays.
#[derive(Debug, Clone)]
pub struct RuleBook {
    /// What people see: "2026.1".
    pub version: String,
    /// Newer books have larger serials; a laptop uses the largest it holds.
    pub serial: u64,
    pub published: String,
    rules: Vec<DeadlineRule>,
    calendar: Calendar,
}

const BUILT_IN_RULES: &str = include_str!("../data/rule-book.json");

/// The rule book's version, with what a laptop shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleBookVersion {
    pub version: String,
    pub serial: u64,
    pub published: String,
}

impl RuleBook {
    /// The rule book shipped with Punkt (`crates/model/data/rule-book.json`).
    pub fn built_in() -> Self {
        Self::built_in_ref().clone()
    }

    /// The built-in rule book, read once.
    pub fn built_in_ref() -> &'static RuleBook {
        static BOOK: OnceLock<RuleBook> = OnceLock::new();
        BOOK.get_or_init(|| {
            Self::from_json(BUILT_IN_RULES).expect("the built-in rule book is valid")
        })
    }

    /// The built-in rule book's text.
    pub fn built_in_json() -> &'static str {
        BUILT_IN_RULES
    }

    /// A rule book from its JSON file, every rule and holiday checked: anything wrong is
    /// refused whole, with the reason.
    pub fn from_json(json: &str) -> Result<Self, ModelError> {
        let bad = |reason: String| ModelError::field("rule book", reason);
        if json.len() > MAX_RULE_BOOK_BYTES {
            return Err(bad(format!(
                "{} bytes, more than {MAX_RULE_BOOK_BYTES}",
                json.len()
            )));
        }
        let file: RuleBookFile = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        if file.format != RULE_BOOK_FORMAT {
            return Err(bad(format!(
                "format {} is not one this Punkt reads ({RULE_BOOK_FORMAT}): update Punkt",
                file.format
            )));
        }
        let version = file.version.trim();
        if version.is_empty() || version.len() > 40 {
            return Err(bad("a version of 1 to 40 characters".into()));
        }
        if file.serial == 0 {
            return Err(bad("the serial starts at 1".into()));
        }
        NaiveDate::parse_from_str(&file.published, "%Y-%m-%d")
            .map_err(|_| bad(format!("published '{}' is not YYYY-MM-DD", file.published)))?;
        if file.rules.is_empty() {
            return Err(bad("no rules".into()));
        }
        for (i, r) in file.rules.iter().enumerate() {
            r.check().map_err(bad)?;
            for other in &file.rules[..i] {
                if other.id == r.id && overlap(other, r) {
                    return Err(bad(format!(
                        "rule '{}' has two versions in force on the same day",
                        r.id
                    )));
                }
            }
        }
        let calendar = Calendar::new(file.holidays).map_err(bad)?;
        Ok(RuleBook {
            version: version.to_string(),
            serial: file.serial,
            published: file.published,
            rules: file.rules,
            calendar,
        })
    }

    pub fn describe(&self) -> RuleBookVersion {
        RuleBookVersion {
            version: self.version.clone(),
            serial: self.serial,
            published: self.published.clone(),
        }
    }

    /// Every rule, each version of each.
    pub fn all(&self) -> &[DeadlineRule] {
        &self.rules
    }

    /// One version of each rule, to choose from: the one in force on `today`, or the latest.
    pub fn listed(&self, today: IsoDate) -> Vec<DeadlineRule> {
        let mut out: Vec<DeadlineRule> = Vec::new();
        for r in &self.rules {
            match out.iter_mut().find(|o| o.id == r.id) {
                None => out.push(r.clone()),
                Some(o) => {
                    let later = r.first_day() > o.first_day();
                    if r.in_force_on(today.0) || (!o.in_force_on(today.0) && later) {
                        *o = r.clone();
                    }
                }
            }
        }
        out
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The version of `id` that counts an event on `on`.
    pub fn rule_on(&self, id: &str, on: IsoDate) -> Result<&DeadlineRule, ModelError> {
        let versions: Vec<&DeadlineRule> = self.rules.iter().filter(|r| r.id == id).collect();
        if versions.is_empty() {
            return Err(ModelError::UnknownRule(id.to_string()));
        }
        versions
            .iter()
            .find(|r| r.in_force_on(on.0))
            .copied()
            .ok_or_else(|| {
                let periods: Vec<String> = versions
                    .iter()
                    .map(|r| {
                        format!(
                            "{} to {}",
                            r.in_force_from.as_deref().unwrap_or("…"),
                            r.in_force_until.as_deref().unwrap_or("…")
                        )
                    })
                    .collect();
                ModelError::field(
                    "start",
                    format!(
                        "rule '{id}' counts events from {}, not one on {on} (rule book {})",
                        periods.join(", "),
                        self.version
                    ),
                )
            })
    }

    /// The version in force today of `id` (for a rule's name, its basis).
    pub fn get(&self, id: &str) -> Result<&DeadlineRule, ModelError> {
        self.rules
            .iter()
            .rev()
            .find(|r| r.id == id)
            .ok_or_else(|| ModelError::UnknownRule(id.to_string()))
    }

    /// The due date of `rule_id` for an event on `from` (and at `options.time` for limits in
    /// hours; `options.days` for a limit the decision set within a range).
    pub fn compute(
        &self,
        rule_id: &str,
        from: IsoDate,
        options: &CountOptions,
    ) -> Result<DueDate, ModelError> {
        let rule = self.rule_on(rule_id, from)?;
        let limit = match rule.min {
            Some(min) => {
                let days = options.days.ok_or_else(|| {
                    ModelError::field(
                        "days",
                        format!(
                            "the days the decision set ({min} to {}, {})",
                            rule.limit, rule.basis
                        ),
                    )
                })?;
                if days < min || days > rule.limit {
                    return Err(ModelError::field(
                        "days",
                        format!(
                            "{days} days: the decision sets {min} to {} days for an event on {from} ({})",
                            rule.limit, rule.basis
                        ),
                    ));
                }
                days
            }
            None => rule.limit,
        };
        self.count(rule, limit, from, options)
    }

    /// The due date of `rule_id` for a letter that was not collected: it counts as delivered
    /// on the last day of the 14 days it waits at the post office after the first notice
    /// (KPA art. 44 §4), and the limit runs from that day.
    pub fn compute_from_notice(
        &self,
        rule_id: &str,
        first_notice: IsoDate,
        options: &CountOptions,
    ) -> Result<DueDate, ModelError> {
        from_notice(first_notice, |delivered| {
            self.compute(rule_id, delivered, options)
        })
    }

    /// A limit of `days` the decision or the court set itself (a court's order to complete a
    /// complaint), counted like any limit in days and moved off a day free from work.
    pub fn compute_days(
        &self,
        days: u32,
        from: IsoDate,
        options: &CountOptions,
    ) -> Result<DueDate, ModelError> {
        if days == 0 || days > 366 {
            return Err(ModelError::field("days", "a limit of 1 to 366 days"));
        }
        let rule = DeadlineRule {
            id: CUSTOM_DAYS.to_string(),
            track: "general".to_string(),
            limit: days,
            unit: Unit::Days,
            min: None,
            runs_from: "delivery".to_string(),
            shift: Shift::Kpa,
            names: RuleNames {
                pl: "Termin wyznaczony w decyzji lub przez sąd (w dniach)".to_string(),
                en: "A limit in days set by the decision or the court".to_string(),
                uk: "Строк у днях, встановлений рішенням або судом".to_string(),
                ru: "Срок в днях, установленный решением или судом".to_string(),
            },
            basis: "as set by the authority or the court; counted as KPA art. 57".to_string(),
            confidence: "high".to_string(),
            in_force_from: None,
            in_force_until: None,
            ends_on: None,
            note: None,
        };
        self.count(&rule, days, from, options)
    }

    fn count(
        &self,
        rule: &DeadlineRule,
        limit: u32,
        from: IsoDate,
        options: &CountOptions,
    ) -> Result<DueDate, ModelError> {
        let cal = &self.calendar;
        let start = from.0;
        let mut due_time = None;
        let (nominal, what) = match rule.unit {
            Unit::Days => (
                start + Duration::days(i64::from(limit)),
                format!("{limit} days from {from} (counted from the next day)"),
            ),
            Unit::Weeks => (
                start + Duration::weeks(i64::from(limit)),
                format!("{limit} weeks from {from} (the same day of the week, KPA art. 57 §3)"),
            ),
            Unit::Months => (
                start
                    .checked_add_months(Months::new(limit))
                    .ok_or_else(|| ModelError::InvalidDate(from.to_string()))?,
                format!(
                    "{limit} months from {from} (the same day of the month, or the month's last day, KPA art. 57 §3a)"
                ),
            ),
            Unit::WorkingDays => {
                let mut day = start;
                let mut left = limit;
                while left > 0 {
                    day += Duration::days(1);
                    if cal.non_working_reason(day).is_none() {
                        left -= 1;
                    }
                }
                (
                    day,
                    format!("{limit} working days from {from} (Saturdays, Sundays and holidays left out)"),
                )
            }
            Unit::Hours => {
                let time = options.time.ok_or_else(|| {
                    ModelError::field("time", "the hour of the event: a limit in hours runs from it")
                })?;
                let end = NaiveDateTime::new(start, time) + Duration::hours(i64::from(limit));
                due_time = Some(end.time().format("%H:%M").to_string());
                (
                    end.date(),
                    format!("{limit} hours from {from} {}", time.format("%H:%M")),
                )
            }
            Unit::Date => {
                let day = date_field(&rule.id, "ends_on", &rule.ends_on)
                    .ok()
                    .flatten()
                    .ok_or_else(|| ModelError::UnknownRule(rule.id.clone()))?;
                (day, "the day the law names".to_string())
            }
        };
        let mut due = nominal;
        let mut moved_over = Vec::new();
        let mut day_off = None;
        let mut explanation = format!("{what} end on {}", fmt_day(nominal));
        if let Some(t) = &due_time {
            explanation.push_str(&format!(" at {t}"));
        }
        match rule.shift.basis() {
            Some(basis) => {
                while let Some(reason) = cal.non_working_reason(due) {
                    moved_over.push(SkippedDay {
                        date: fmt_day(due),
                        reason,
                    });
                    due += Duration::days(1);
                }
                if !moved_over.is_empty() {
                    let why: Vec<String> = moved_over
                        .iter()
                        .map(|s| {
                            format!(
                                "{} is a {}",
                                s.date,
                                s.reason.replace("holiday: ", "holiday ")
                            )
                        })
                        .collect();
                    explanation.push_str(&format!(
                        "; moved to the next working day {} ({basis}) because {}",
                        fmt_day(due),
                        why.join(", ")
                    ));
                }
            }
            None => {
                day_off = cal.non_working_reason(due);
                if let Some(reason) = &day_off {
                    explanation.push_str(&format!(
                        "; {} is a {}, and this limit does not move to the next working day",
                        fmt_day(due),
                        reason.replace("holiday: ", "holiday ")
                    ));
                }
            }
        }
        if options.uncertain {
            explanation.push_str(
                "; the start date is uncertain: this is the earliest possible deadline, counted from the earliest possible start",
            );
        }
        if rule.confidence == "verify" {
            explanation.push_str("; this rule is marked for verification by a lawyer");
        }
        Ok(DueDate {
            rule: rule.id.clone(),
            limit,
            unit: rule.unit,
            shift: rule.shift,
            from: from.to_string(),
            from_time: options
                .time
                .filter(|_| rule.unit == Unit::Hours)
                .map(|t| t.format("%H:%M").to_string()),
            nominal_due: fmt_day(nominal),
            due: fmt_day(due),
            due_time,
            moved_over,
            uncertain: options.uncertain,
            explanation,
            deemed_delivery: None,
            day_off,
            basis: rule.basis.clone(),
            rules_version: self.version.clone(),
            latest: None,
            due_date: IsoDate(due),
        })
    }
}

fn overlap(a: &DeadlineRule, b: &DeadlineRule) -> bool {
    let starts = |r: &DeadlineRule| r.first_day().unwrap_or(NaiveDate::MIN);
    let ends = |r: &DeadlineRule| r.last_day().unwrap_or(NaiveDate::MAX);
    starts(a) <= ends(b) && starts(b) <= ends(a)
}

fn fmt_day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// What a count needs beyond the rule and the start day.
#[derive(Debug, Clone, Default)]
pub struct CountOptions {
    /// The start is not certain: the due date is the earliest possible, and says so.
    pub uncertain: bool,
    /// The hour of the event, for limits in hours.
    pub time: Option<NaiveTime>,
    /// The days the decision set, for a limit set within a range.
    pub days: Option<u32>,
}

impl CountOptions {
    pub fn uncertain(uncertain: bool) -> Self {
        CountOptions {
            uncertain,
            ..CountOptions::default()
        }
    }
}

/// A deadline the decision or the court set in days: [`RuleBook::compute_days`].
pub const CUSTOM_DAYS: &str = "custom-days";
/// A deadline on a day the authority or the court named: [`fixed_due`].
pub const CUSTOM_DATE: &str = "custom-date";

/// The limit counted from the deemed delivery of a letter not collected after `first_notice`.
pub fn from_notice(
    first_notice: IsoDate,
    compute: impl FnOnce(IsoDate) -> Result<DueDate, ModelError>,
) -> Result<DueDate, ModelError> {
    let delivered = deemed_delivery(first_notice);
    let mut due = compute(delivered)?;
    due.explanation = format!(
        "letter not collected: first notice {first_notice}, deemed delivered {delivered} (KPA art. 44 §4, 14 days at the post office); {}",
        due.explanation
    );
    due.deemed_delivery = Some(delivered.to_string());
    Ok(due)
}

/// A deadline on the day the authority or the court named (`due`), from the letter received on
/// `from`. The day is kept as named; if it is not a working day the explanation says so, for a
/// lawyer to check.
pub fn fixed_due(
    book: &RuleBook,
    from: IsoDate,
    due: IsoDate,
    uncertain: bool,
) -> Result<DueDate, ModelError> {
    if due.0 < from.0 {
        return Err(ModelError::field(
            "due",
            format!("{due} is before the letter ({from})"),
        ));
    }
    let mut explanation = format!("the day set by the authority or the court: {due}");
    let day_off = book.calendar().non_working_reason(due.0);
    if let Some(reason) = &day_off {
        explanation.push_str(&format!(
            "; it is a {}: check whether it moves to the next working day (a day to leave Poland never moves)",
            reason.replace("holiday: ", "holiday ")
        ));
    }
    if uncertain {
        explanation.push_str("; the date is uncertain");
    }
    Ok(DueDate {
        rule: CUSTOM_DATE.to_string(),
        limit: u32::try_from((due.0 - from.0).num_days()).unwrap_or(u32::MAX),
        unit: Unit::Date,
        shift: Shift::None,
        from: from.to_string(),
        from_time: None,
        nominal_due: due.to_string(),
        due: due.to_string(),
        due_time: None,
        moved_over: Vec::new(),
        uncertain,
        explanation,
        deemed_delivery: None,
        day_off,
        basis: "as named by the authority or the court".to_string(),
        rules_version: book.version.clone(),
        latest: None,
        due_date: due,
    })
}

/// The day a letter not collected counts as delivered: 14 days after the first notice.
pub fn deemed_delivery(first_notice: IsoDate) -> IsoDate {
    IsoDate(first_notice.0 + Duration::days(14))
}

/// A day the limit could not end on, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkippedDay {
    pub date: String,
    pub reason: String,
}

/// The latest possible deadline, when the start is known only within a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LatestDue {
    pub from: String,
    pub due: String,
    pub due_time: Option<String>,
}

/// The result of the calculator, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DueDate {
    pub rule: String,
    /// The length counted, in `unit`.
    pub limit: u32,
    pub unit: Unit,
    pub shift: Shift,
    pub from: String,
    /// The hour of the event, for limits in hours.
    pub from_time: Option<String>,
    /// The end before any shift.
    pub nominal_due: String,
    pub due: String,
    /// The hour the limit ends, for limits in hours.
    pub due_time: Option<String>,
    /// The days the end of the limit was moved over, in order.
    pub moved_over: Vec<SkippedDay>,
    /// True when the start date is not certain: `due` is then the earliest possible deadline.
    pub uncertain: bool,
    pub explanation: String,
    /// Set when the start is a deemed delivery of a letter not collected.
    pub deemed_delivery: Option<String>,
    /// For a day the authority or the court named, or a limit that never moves: why the due
    /// day is not a working day, when it is not (`Saturday`, `Sunday`, `holiday: <name>`, as in
    /// `SkippedDay::reason`).
    pub day_off: Option<String>,
    /// The legal basis of the rule counted.
    pub basis: String,
    /// The rule book it was counted with.
    pub rules_version: String,
    /// When the start is known only within a range: the deadline from its latest day.
    pub latest: Option<LatestDue>,
    #[serde(skip)]
    pub due_date: IsoDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> &'static RuleBook {
        RuleBook::built_in_ref()
    }

    fn count(rule: &str, from: &str, options: CountOptions) -> DueDate {
        book()
            .compute(rule, from.parse().unwrap(), &options)
            .unwrap()
    }

    fn due(rule: &str, from: &str) -> String {
        count(rule, from, CountOptions::default()).due
    }

    fn with_days(days: u32) -> CountOptions {
        CountOptions {
            days: Some(days),
            ..CountOptions::default()
        }
    }

    fn at(time: &str) -> CountOptions {
        CountOptions {
            time: Some(NaiveTime::parse_from_str(time, "%H:%M").unwrap()),
            ..CountOptions::default()
        }
    }

    #[test]
    fn every_rule_has_its_limit_unit_and_shift() {
        let today: IsoDate = "2026-12-05".parse().unwrap();
        let on = |id: &str| book().rule_on(id, today).unwrap();
        for (id, limit, unit, shift) in [
            ("refugee-board-appeal", 14, Unit::Days, Shift::Kpa),
            ("residence-appeal", 14, Unit::Days, Shift::Kpa),
            ("kpa-complaint", 7, Unit::Days, Shift::Kpa),
            ("restore-time-limit", 7, Unit::Days, Shift::Kpa),
            ("accelerated-appeal", 7, Unit::Days, Shift::Kpa),
            ("return-appeal", 7, Unit::Days, Shift::Kpa),
            ("voluntary-departure", 30, Unit::Days, Shift::None),
            ("leave-after-final-refusal", 30, Unit::Days, Shift::None),
            ("detention-complaint", 7, Unit::Days, Shift::Kpk),
            ("detention-extension-complaint", 7, Unit::Days, Shift::Kpk),
            ("detention-order-3m", 3, Unit::Months, Shift::None),
            ("detention-total-6m", 6, Unit::Months, Shift::None),
            ("detention-total-18m", 18, Unit::Months, Shift::None),
            ("arrest-48h", 48, Unit::Hours, Shift::None),
            ("court-24h", 24, Unit::Hours, Shift::None),
            ("asylum-report-2d", 2, Unit::Days, Shift::None),
            ("asylum-absence-7d", 7, Unit::Days, Shift::None),
            ("asylum-reopen-9m", 9, Unit::Months, Shift::Kpa),
            ("asylum-registration-3wd", 3, Unit::WorkingDays, Shift::None),
            ("wsa-complaint", 30, Unit::Days, Shift::Ppsa),
            ("wsa-objection", 14, Unit::Days, Shift::Ppsa),
            ("nsa-cassation", 30, Unit::Days, Shift::Ppsa),
            ("ukr-pesel-30d", 30, Unit::Days, Shift::None),
            ("ukr-absence-30d", 30, Unit::Days, Shift::None),
        ] {
            let r = on(id);
            assert_eq!((r.limit, r.unit, r.shift), (limit, unit, shift), "{id}");
        }
        assert_eq!(on("voluntary-departure").min, Some(8));
        assert_eq!(
            book().get("nope").unwrap_err(),
            ModelError::UnknownRule("nope".into())
        );
    }

    #[test]
    fn corrected_citations() {
        let today: IsoDate = "2026-12-05".parse().unwrap();
        let basis = |id: &str| book().rule_on(id, today).unwrap().basis.clone();
        assert!(basis("return-appeal").starts_with("u.o.c. art. 321 ust. 1–2"));
        assert!(basis("accelerated-appeal").starts_with("u.o.u.c. art. 39"));
        assert!(!basis("accelerated-appeal").contains("art. 40"));
        assert!(basis("detention-complaint").starts_with("u.o.c. art. 404"));
        assert!(!basis("detention-complaint").contains("403"));
        assert!(basis("detention-extension-complaint").contains("art. 403 ust. 8"));
        assert!(basis("voluntary-departure").starts_with("u.o.c. art. 315 ust. 1"));
        // Every rule carries its basis, and each version its period when the law changed.
        for r in book().all() {
            assert!(!r.basis.is_empty(), "{}", r.id);
        }
    }

    // Hand-checked against a calendar; each case says why.
    #[test]
    fn plain_limit_on_a_working_day() {
        // Delivered Mon 2 March 2026; 14 days -> Mon 16 March 2026.
        assert_eq!(due("refugee-board-appeal", "2026-03-02"), "2026-03-16");
    }

    #[test]
    fn easter_monday_pushes_to_tuesday() {
        // Easter 2026 is 5 April. Delivered Mon 30 March + 7 = Mon 6 April (Easter Monday) -> Tue 7 April.
        let d = count("return-appeal", "2026-03-30", CountOptions::default());
        assert_eq!(d.nominal_due, "2026-04-06");
        assert_eq!(d.due, "2026-04-07");
        assert_eq!(d.moved_over[0].reason, "holiday: Poniedziałek Wielkanocny");
        assert!(
            d.explanation.contains("(KPA art. 57 §4)"),
            "{}",
            d.explanation
        );
        // Delivered Sat 28 March 2026 + 7 = Sat 4 April -> Sun 5 (Easter) -> Mon 6 (Easter Monday) -> Tue 7.
        let d = count(
            "detention-extension-complaint",
            "2026-03-28",
            CountOptions::default(),
        );
        assert_eq!(d.due, "2026-04-07");
        assert!(
            d.explanation.contains("(KPK art. 123 §3)"),
            "{}",
            d.explanation
        );
        // 2025: Easter 20 April. Delivered Mon 7 April + 14 = Mon 21 April (Easter Monday) -> Tue 22 April.
        assert_eq!(due("residence-appeal", "2025-04-07"), "2025-04-22");
    }

    #[test]
    fn corpus_christi_pushes_to_friday() {
        // Corpus Christi 2026 is Thursday 4 June. Delivered Thu 28 May + 7 = Thu 4 June -> Fri 5 June.
        assert_eq!(due("accelerated-appeal", "2026-05-28"), "2026-06-05");
        // Corpus Christi 2025 is Thursday 19 June. Delivered Thu 5 June + 14 = Thu 19 June -> Fri 20 June.
        assert_eq!(due("refugee-board-appeal", "2025-06-05"), "2025-06-20");
    }

    #[test]
    fn independence_day() {
        // 11 November 2026 is a Wednesday. Delivered Wed 4 Nov + 7 = Wed 11 Nov -> Thu 12 Nov.
        assert_eq!(due("return-appeal", "2026-11-04"), "2026-11-12");
        // Delivered Fri 10 Oct 2025 + 30 = Sun 9 Nov -> Mon 10 Nov (working day).
        assert_eq!(due("wsa-complaint", "2025-10-10"), "2025-11-10");
        // Delivered Tue 4 Nov 2025 + 7 = Tue 11 Nov -> Wed 12 Nov.
        assert_eq!(due("detention-complaint", "2025-11-04"), "2025-11-12");
    }

    #[test]
    fn christmas_from_2025_includes_christmas_eve() {
        // 2025: delivered Wed 10 Dec + 14 = Wed 24 Dec (holiday since 2025) -> 25, 26 holidays,
        // Sat 27, Sun 28 -> Mon 29 Dec.
        let d = count(
            "refugee-board-appeal",
            "2025-12-10",
            CountOptions::default(),
        );
        assert_eq!(d.due, "2025-12-29");
        assert_eq!(d.moved_over.len(), 5);
        // 2024: 24 Dec was a working day. Delivered Tue 10 Dec 2024 + 14 = Tue 24 Dec 2024: stays.
        assert_eq!(due("refugee-board-appeal", "2024-12-10"), "2024-12-24");
        // 2026: delivered Thu 17 Dec + 7 = Thu 24 Dec -> Fri 25, Sat 26 (holiday and Saturday),
        // Sun 27 -> Mon 28 Dec.
        assert_eq!(due("return-appeal", "2026-12-17"), "2026-12-28");
        // Sprzeciw: delivered Thu 10 Dec 2026 + 14 = Thu 24 Dec -> Mon 28 Dec (PPSA art. 83 §2).
        let d = count("wsa-objection", "2026-12-10", CountOptions::default());
        assert_eq!(d.due, "2026-12-28");
        assert!(d.explanation.contains("(PPSA art. 83 §2)"));
    }

    #[test]
    fn new_year_and_epiphany() {
        // Delivered Wed 23 Dec 2026 + 14 = Wed 6 Jan 2027 (Epiphany) -> Thu 7 Jan 2027.
        assert_eq!(due("residence-appeal", "2026-12-23"), "2027-01-07");
    }

    #[test]
    fn saturday_moves_to_monday() {
        // Delivered Sat 7 March 2026 + 14 = Sat 21 March -> Mon 23 March.
        assert_eq!(due("refugee-board-appeal", "2026-03-07"), "2026-03-23");
    }

    #[test]
    fn skarga_kasacyjna_from_the_judgment_with_reasons() {
        // Judgment with reasons delivered Fri 20 Nov 2026 + 30 = Sun 20 Dec -> Mon 21 Dec 2026.
        assert_eq!(due("nsa-cassation", "2026-11-20"), "2026-12-21");
        // Request for reasons: announced Tue 1 Dec 2026 + 7 = Tue 8 Dec 2026.
        assert_eq!(due("wsa-reasons-request", "2026-12-01"), "2026-12-08");
    }

    #[test]
    fn voluntary_departure_is_8_to_30_days_since_april_2023_and_never_moves() {
        // 8 days from Tue 16 Dec 2025 = Wed 24 Dec 2025, a holiday: it stays.
        let d = count("voluntary-departure", "2025-12-16", with_days(8));
        assert_eq!(d.due, "2025-12-24");
        assert!(d.moved_over.is_empty());
        assert_eq!(
            d.day_off.as_deref(),
            Some("holiday: Wigilia Bożego Narodzenia")
        );
        assert!(
            d.explanation
                .contains("does not move to the next working day"),
            "{}",
            d.explanation
        );
        // Fewer than 8 or more than 30: refused, with the law.
        let e = book()
            .compute(
                "voluntary-departure",
                "2025-12-16".parse().unwrap(),
                &with_days(7),
            )
            .unwrap_err();
        assert_eq!(e.field_name(), Some("days"));
        assert!(e.to_string().contains("8 to 30"), "{e}");
        assert!(book()
            .compute(
                "voluntary-departure",
                "2025-12-16".parse().unwrap(),
                &with_days(31)
            )
            .is_err());
        // The days must be given.
        assert!(book()
            .compute(
                "voluntary-departure",
                "2025-12-16".parse().unwrap(),
                &CountOptions::default()
            )
            .is_err());
        // A decision delivered before 7 April 2023 was under the old law: 15 to 30 days.
        let e = book()
            .compute(
                "voluntary-departure",
                "2023-04-06".parse().unwrap(),
                &with_days(8),
            )
            .unwrap_err();
        assert!(e.to_string().contains("15 to 30"), "{e}");
        assert_eq!(
            count("voluntary-departure", "2023-04-06", with_days(15)).due,
            "2023-04-21"
        );
        assert_eq!(
            count("voluntary-departure", "2023-04-07", with_days(8)).due,
            "2023-04-15"
        );
    }

    #[test]
    fn the_return_appeal_changed_on_7_april_2023() {
        // Delivered Thu 6 April 2023: 14 days to the Office for Foreigners -> Thu 20 April.
        let old = count("return-appeal", "2023-04-06", CountOptions::default());
        assert_eq!((old.limit, old.due.as_str()), (14, "2023-04-20"));
        // Delivered Fri 7 April 2023: 7 days to the Border Guard -> Fri 14 April.
        let new = count("return-appeal", "2023-04-07", CountOptions::default());
        assert_eq!((new.limit, new.due.as_str()), (7, "2023-04-14"));
        assert!(new.basis.contains("321"));
    }

    #[test]
    fn leaving_poland_30_days_after_a_final_refusal_does_not_move() {
        // Second-instance decision delivered Wed 25 Nov 2026 + 30 = Fri 25 Dec 2026 (Christmas): stays.
        let d = count(
            "leave-after-final-refusal",
            "2026-11-25",
            CountOptions::default(),
        );
        assert_eq!(d.due, "2026-12-25");
        assert_eq!(d.shift, Shift::None);
    }

    #[test]
    fn months_end_on_the_same_day_or_the_months_last() {
        // Discontinuation issued Fri 29 May 2026 + 9 months: 29 Feb 2027 does not exist -> Sun 28
        // Feb 2027 -> Mon 1 Mar 2027 (KPA art. 57 §4).
        let d = count("asylum-reopen-9m", "2026-05-29", CountOptions::default());
        assert_eq!(d.nominal_due, "2027-02-28");
        assert_eq!(d.due, "2027-03-01");
        // Placed Mon 30 Nov 2026 + 3 months = 28 Feb 2027 (no 30 Feb); a maximum never moves.
        let d = count("detention-order-3m", "2026-11-30", CountOptions::default());
        assert_eq!(d.due, "2027-02-28");
        // Placed Mon 31 Aug 2026 + 6 months = 28 Feb 2027; + 18 months = 29 Feb 2028 (leap year).
        assert_eq!(due("detention-total-6m", "2026-08-31"), "2027-02-28");
        assert_eq!(due("detention-total-18m", "2026-08-31"), "2028-02-29");
    }

    #[test]
    fn hours_run_from_the_hour_and_never_move() {
        // Arrested Thu 24 Dec 2026 10:30: 48 hours end Sat 26 Dec 10:30, a holiday and a Saturday.
        let d = count("arrest-48h", "2026-12-24", at("10:30"));
        assert_eq!(
            (d.due.as_str(), d.due_time.as_deref()),
            ("2026-12-26", Some("10:30"))
        );
        assert_eq!(d.from_time.as_deref(), Some("10:30"));
        assert!(d.moved_over.is_empty());
        // Handed to the court at 23:15: 24 hours end the next day at 23:15.
        let d = count("court-24h", "2026-12-31", at("23:15"));
        assert_eq!(
            (d.due.as_str(), d.due_time.as_deref()),
            ("2027-01-01", Some("23:15"))
        );
        // Without the hour: refused, saying what is missing.
        let e = book()
            .compute(
                "arrest-48h",
                "2026-12-24".parse().unwrap(),
                &CountOptions::default(),
            )
            .unwrap_err();
        assert_eq!(e.field_name(), Some("time"));
    }

    #[test]
    fn working_days_leave_out_weekends_and_holidays() {
        // Application made Wed 23 Dec 2026: 24, 25, 26 (holidays), 27 (Sunday) left out; Mon 28,
        // Tue 29, Wed 30 -> Wed 30 Dec 2026.
        let d = count(
            "asylum-registration-3wd",
            "2026-12-23",
            CountOptions::default(),
        );
        assert_eq!(d.due, "2026-12-30");
    }

    #[test]
    fn asylum_two_days_do_not_move() {
        // Application lodged Thu 24 Dec 2026: 2 days -> Sat 26 Dec 2026, no shift.
        assert_eq!(due("asylum-report-2d", "2026-12-24"), "2026-12-26");
    }

    #[test]
    fn a_day_the_law_names() {
        let d = count(
            "temporary-protection-end",
            "2026-12-05",
            CountOptions::default(),
        );
        assert_eq!(d.due, "2027-03-04");
        // After it ended, the rule counts nothing.
        assert!(book()
            .compute(
                "temporary-protection-end",
                "2027-03-05".parse().unwrap(),
                &CountOptions::default()
            )
            .is_err());
    }

    #[test]
    fn uncertain_start_gives_the_earliest_deadline_and_says_so() {
        let d = count("return-appeal", "2026-03-02", CountOptions::uncertain(true));
        assert!(d.uncertain);
        assert_eq!(d.due, "2026-03-09");
        assert!(d.explanation.contains("earliest possible deadline"));
    }

    #[test]
    fn a_letter_not_collected_counts_as_delivered_after_14_days() {
        // First notice Mon 2 March 2026 -> deemed delivered Mon 16 March; 14-day appeal ->
        // Mon 30 March 2026.
        let d = book()
            .compute_from_notice(
                "refugee-board-appeal",
                "2026-03-02".parse().unwrap(),
                &CountOptions::default(),
            )
            .unwrap();
        assert_eq!(d.deemed_delivery.as_deref(), Some("2026-03-16"));
        assert_eq!(d.from, "2026-03-16");
        assert_eq!(d.due, "2026-03-30");
        assert!(d
            .explanation
            .starts_with("letter not collected: first notice 2026-03-02"));
    }

    #[test]
    fn every_count_names_its_rule_book() {
        let d = count("wsa-complaint", "2026-12-01", CountOptions::default());
        assert_eq!(d.rules_version, book().version);
        assert_eq!(
            d.basis,
            "PPSA art. 53 §1 (wnoszona za pośrednictwem organu, art. 54 §1)"
        );
    }

    #[test]
    fn a_corrected_book_is_read_and_a_bad_one_refused_with_the_reason() {
        let json = BUILT_IN_RULES.replace("\"serial\": 1,", "\"serial\": 2,");
        assert_eq!(RuleBook::from_json(&json).unwrap().serial, 2);
        let refused = |json: &str| RuleBook::from_json(json).unwrap_err().to_string();
        assert!(refused("[{\"id\":\"x\"}]").contains("rule book"));
        assert!(
            refused(&BUILT_IN_RULES.replace("\"format\": 1", "\"format\": 2"))
                .contains("update Punkt")
        );
        assert!(
            refused(&BUILT_IN_RULES.replacen("\"limit\": 14", "\"limit\": 400", 1))
                .contains("impossible limit")
        );
        assert!(refused(&BUILT_IN_RULES.replacen(
            "\"limit\": 48",
            "\"limit\": 48, \"shift_typo\": 1",
            1
        ))
        .contains("unknown field"));
        assert!(refused(&BUILT_IN_RULES.replacen(
            "\"in_force_until\": \"2023-04-06\"",
            "\"in_force_until\": \"2023-04-08\"",
            1
        ))
        .contains("two versions"));
        assert!(
            refused(&BUILT_IN_RULES.replacen("\"date\": \"12-24\"", "\"date\": \"12-32\"", 1))
                .contains("MM-DD")
        );
        assert!(refused(&" ".repeat(MAX_RULE_BOOK_BYTES + 1)).contains("bytes"));
        let no_ru = BUILT_IN_RULES.replacen(
            "\"ru\": \"Обжалование решения первой",
            "\"ru\": \"\", \"x\": \"",
            1,
        );
        assert!(RuleBook::from_json(&no_ru).is_err());
    }

    #[test]
    fn the_list_shows_each_rule_once_in_its_version_of_today() {
        let listed = book().listed("2026-12-05".parse().unwrap());
        let returns: Vec<&DeadlineRule> =
            listed.iter().filter(|r| r.id == "return-appeal").collect();
        assert_eq!(returns.len(), 1);
        assert_eq!(returns[0].limit, 7);
        let old = book().listed("2023-01-02".parse().unwrap());
        assert_eq!(
            old.iter().find(|r| r.id == "return-appeal").unwrap().limit,
            14
        );
    }

    #[test]
    fn docs_list_every_rule() {
        let doc = include_str!("../../../docs/deadlines.md");
        for r in book().all() {
            assert!(
                doc.contains(&format!("`{}`", r.id)),
                "docs/deadlines.md lacks {}",
                r.id
            );
            assert!(
                doc.contains(&r.basis),
                "docs/deadlines.md lacks the basis of {}",
                r.id
            );
        }
        assert!(doc.contains(&format!("version **{}**", book().version)));
    }

    #[test]
    fn weeks_end_on_the_same_day_of_the_week() {
        // The sprzeciw stated as 2 weeks: Thu 10 Dec 2026 -> Thu 24 Dec (holiday) -> Mon 28 Dec.
        let json = BUILT_IN_RULES.replacen(
            "\"limit\": 14,\n      \"unit\": \"days\",\n      \"runs_from\": \"delivery\",\n      \"shift\": \"ppsa\"",
            "\"limit\": 2,\n      \"unit\": \"weeks\",\n      \"runs_from\": \"delivery\",\n      \"shift\": \"ppsa\"",
            1,
        );
        assert_ne!(json, BUILT_IN_RULES);
        let weeks = RuleBook::from_json(&json).unwrap();
        let d = weeks
            .compute(
                "wsa-objection",
                "2026-12-10".parse().unwrap(),
                &CountOptions::default(),
            )
            .unwrap();
        assert_eq!(
            (d.unit, d.nominal_due.as_str(), d.due.as_str()),
            (Unit::Weeks, "2026-12-24", "2026-12-28")
        );
    }
}
