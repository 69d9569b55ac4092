//! Procedural time limits: the rules as data, and the calculator that turns a start date into a
//! due date under Polish rules (count from the day after the event; a limit ending on a Saturday,
//! Sunday or public holiday moves to the next working day, KPA art. 57 §4).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::date::IsoDate;
use crate::error::ModelError;
use crate::holidays::non_working_reason;

/// One procedural time limit, as data a coordinator can correct without a new release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeadlineRule {
    pub id: String,
    pub limit_days: u32,
    /// The event that starts the limit: `delivery`, `obstacle_ended`, `announcement_or_delivery`...
    pub runs_from: String,
    pub name_pl: String,
    pub name_en: String,
    pub basis: String,
    /// `high`, or `verify` where the rule still needs a lawyer's confirmation.
    pub confidence: String,
}

/// The rule book: the built-in rules, or a coordinator's corrected copy.
#[derive(Debug, Clone)]
pub struct DeadlineRules {
    rules: Vec<DeadlineRule>,
}

const BUILT_IN_RULES: &str = include_str!("../data/deadline-rules.json");

impl DeadlineRules {
    /// The rules shipped with Punkt (`crates/model/data/deadline-rules.json`).
    pub fn built_in() -> Self {
        Self::from_json(BUILT_IN_RULES).expect("the built-in deadline rules are valid")
    }

    /// Rules from a JSON array in the shape of the built-in file.
    pub fn from_json(json: &str) -> Result<Self, ModelError> {
        let rules: Vec<DeadlineRule> = serde_json::from_str(json)
            .map_err(|e| ModelError::field("deadline rules", e.to_string()))?;
        for r in &rules {
            if r.limit_days == 0 || r.limit_days > 366 {
                return Err(ModelError::field(
                    "deadline rules",
                    format!(
                        "rule '{}' has an impossible limit of {} days",
                        r.id, r.limit_days
                    ),
                ));
            }
        }
        Ok(DeadlineRules { rules })
    }

    pub fn all(&self) -> &[DeadlineRule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Result<&DeadlineRule, ModelError> {
        self.rules
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| ModelError::UnknownRule(id.to_string()))
    }

    /// Compute the due date of `rule_id` for a letter that was not collected: it counts as
    /// delivered on the last day of the 14 days it waits at the post office after the first
    /// notice (KPA art. 44 §4), and the limit runs from that day.
    pub fn compute_from_notice(
        &self,
        rule_id: &str,
        first_notice: IsoDate,
        uncertain: bool,
    ) -> Result<DueDate, ModelError> {
        from_notice(first_notice, |delivered| {
            self.compute(rule_id, delivered, uncertain)
        })
    }

    /// A limit of `days` the decision or the court set itself (voluntary departure: 15 to 30
    /// days from delivery of the return decision; a court's order to complete a complaint),
    /// counted like any limit in days.
    pub fn compute_days(
        &self,
        days: u32,
        from: IsoDate,
        uncertain: bool,
    ) -> Result<DueDate, ModelError> {
        if days == 0 || days > 366 {
            return Err(ModelError::field("days", "a limit of 1 to 366 days"));
        }
        let rule = DeadlineRule {
            id: CUSTOM_DAYS.to_string(),
            limit_days: days,
            runs_from: "delivery".to_string(),
            name_pl: "Termin wyznaczony w decyzji lub przez sąd (w dniach)".to_string(),
            name_en: "A limit in days set by the decision or the court".to_string(),
            basis: "as set by the authority or the court; counted as KPA art. 57".to_string(),
            confidence: "high".to_string(),
        };
        Ok(compute_due(&rule, from, uncertain))
    }

    /// Compute the due date of `rule_id` for an event on `from`.
    pub fn compute(
        &self,
        rule_id: &str,
        from: IsoDate,
        uncertain: bool,
    ) -> Result<DueDate, ModelError> {
        let rule = self.get(rule_id)?;
        Ok(compute_due(rule, from, uncertain))
    }
}

/// A deadline whose limit the decision or the court set in days: [`DeadlineRules::compute_days`].
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
pub fn fixed_due(from: IsoDate, due: IsoDate, uncertain: bool) -> Result<DueDate, ModelError> {
    if due.0 < from.0 {
        return Err(ModelError::field(
            "due",
            format!("{due} is before the letter ({from})"),
        ));
    }
    let mut explanation = format!("the day set by the authority or the court: {due}");
    let day_off = non_working_reason(due.0);
    if let Some(reason) = &day_off {
        explanation.push_str(&format!(
            "; it is a {}: check whether it moves to the next working day",
            reason.replace("holiday: ", "holiday ")
        ));
    }
    if uncertain {
        explanation.push_str("; the date is uncertain");
    }
    Ok(DueDate {
        rule: CUSTOM_DATE.to_string(),
        limit_days: u32::try_from((due.0 - from.0).num_days()).unwrap_or(u32::MAX),
        from: from.to_string(),
        nominal_due: due.to_string(),
        due: due.to_string(),
        moved_over: Vec::new(),
        uncertain,
        explanation,
        deemed_delivery: None,
        day_off,
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

/// The result of the calculator, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DueDate {
    pub rule: String,
    pub limit_days: u32,
    pub from: String,
    /// `from` + limit, before any shift.
    pub nominal_due: String,
    pub due: String,
    /// The days the end of the limit was moved over, in order.
    pub moved_over: Vec<SkippedDay>,
    /// True when the start date is not certain: `due` is then the earliest possible deadline.
    pub uncertain: bool,
    pub explanation: String,
    /// Set when the start is a deemed delivery of a letter not collected.
    pub deemed_delivery: Option<String>,
    /// For a day the authority or the court named: why it is not a working day, when it is
    /// not (`Saturday`, `Sunday`, `holiday: <name>`, as in `SkippedDay::reason`).
    pub day_off: Option<String>,
    #[serde(skip)]
    pub due_date: IsoDate,
}

fn compute_due(rule: &DeadlineRule, from: IsoDate, uncertain: bool) -> DueDate {
    // Counting starts the day after the event, so the limit ends `limit_days` days after it.
    let nominal = from.0 + Duration::days(i64::from(rule.limit_days));
    let mut due: NaiveDate = nominal;
    let mut moved_over = Vec::new();
    while let Some(reason) = non_working_reason(due) {
        moved_over.push(SkippedDay {
            date: due.format("%Y-%m-%d").to_string(),
            reason,
        });
        due += Duration::days(1);
    }
    let mut explanation = format!(
        "{} days from {} (counted from the next day) end on {}",
        rule.limit_days,
        from,
        nominal.format("%Y-%m-%d")
    );
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
            "; moved to the next working day {} because {}",
            due.format("%Y-%m-%d"),
            why.join(", ")
        ));
    }
    if uncertain {
        explanation.push_str(
            "; the start date is uncertain: this is the earliest possible deadline, counted from the earliest possible start",
        );
    }
    if rule.confidence == "verify" {
        explanation.push_str("; this rule is marked for verification by a lawyer");
    }
    DueDate {
        rule: rule.id.clone(),
        limit_days: rule.limit_days,
        from: from.to_string(),
        nominal_due: nominal.format("%Y-%m-%d").to_string(),
        due: due.format("%Y-%m-%d").to_string(),
        moved_over,
        uncertain,
        explanation,
        deemed_delivery: None,
        day_off: None,
        due_date: IsoDate(due),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(rule: &str, from: &str) -> String {
        DeadlineRules::built_in()
            .compute(rule, from.parse().unwrap(), false)
            .unwrap()
            .due
    }

    #[test]
    fn all_issue_rules_are_present_with_their_limits() {
        let rules = DeadlineRules::built_in();
        for (id, days) in [
            ("refugee-board-appeal", 14),
            ("restore-time-limit", 7),
            ("wsa-complaint", 30),
            ("accelerated-appeal", 7),
            ("detention-complaint", 7),
            ("return-appeal", 7),
            ("residence-appeal", 14),
        ] {
            assert_eq!(rules.get(id).unwrap().limit_days, days, "{id}");
        }
        assert_eq!(
            rules.get("nope").unwrap_err(),
            ModelError::UnknownRule("nope".into())
        );
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
        let d = DeadlineRules::built_in()
            .compute("return-appeal", "2026-03-30".parse().unwrap(), false)
            .unwrap();
        assert_eq!(d.nominal_due, "2026-04-06");
        assert_eq!(d.due, "2026-04-07");
        assert_eq!(d.moved_over[0].reason, "holiday: Poniedziałek Wielkanocny");
        // Delivered Sat 28 March 2026 + 7 = Sat 4 April -> Sun 5 (Easter) -> Mon 6 (Easter Monday) -> Tue 7.
        assert_eq!(due("detention-complaint", "2026-03-28"), "2026-04-07");
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
        // 11 November 2025 is a Tuesday; 1 Nov 2025 is a Saturday.
        // Delivered Fri 10 Oct 2025 + 30 = Sun 9 Nov -> Mon 10 Nov (working day).
        assert_eq!(due("wsa-complaint", "2025-10-10"), "2025-11-10");
        // Delivered Tue 4 Nov 2025 + 7 = Tue 11 Nov -> Wed 12 Nov.
        assert_eq!(due("detention-complaint", "2025-11-04"), "2025-11-12");
    }

    #[test]
    fn christmas_from_2025_includes_christmas_eve() {
        // 2025: delivered Wed 10 Dec + 14 = Wed 24 Dec (holiday since 2025) -> 25, 26 holidays,
        // Sat 27, Sun 28 -> Mon 29 Dec.
        let d = DeadlineRules::built_in()
            .compute("refugee-board-appeal", "2025-12-10".parse().unwrap(), false)
            .unwrap();
        assert_eq!(d.due, "2025-12-29");
        assert_eq!(d.moved_over.len(), 5);
        // 2024: 24 Dec was a working day. Delivered Tue 10 Dec 2024 + 14 = Tue 24 Dec 2024: stays.
        assert_eq!(due("refugee-board-appeal", "2024-12-10"), "2024-12-24");
        // 2026: delivered Thu 17 Dec + 7 = Thu 24 Dec -> Fri 25, Sat 26 (holiday and Saturday),
        // Sun 27 -> Mon 28 Dec.
        assert_eq!(due("return-appeal", "2026-12-17"), "2026-12-28");
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
    fn uncertain_start_gives_the_earliest_deadline_and_says_so() {
        let d = DeadlineRules::built_in()
            .compute("return-appeal", "2026-03-02".parse().unwrap(), true)
            .unwrap();
        assert!(d.uncertain);
        assert_eq!(d.due, "2026-03-09");
        assert!(d.explanation.contains("earliest possible deadline"));
    }

    #[test]
    fn a_letter_not_collected_counts_as_delivered_after_14_days() {
        // First notice Mon 2 March 2026 -> deemed delivered Mon 16 March; 14-day appeal ->
        // Mon 30 March 2026.
        let d = DeadlineRules::built_in()
            .compute_from_notice("refugee-board-appeal", "2026-03-02".parse().unwrap(), false)
            .unwrap();
        assert_eq!(d.deemed_delivery.as_deref(), Some("2026-03-16"));
        assert_eq!(d.from, "2026-03-16");
        assert_eq!(d.due, "2026-03-30");
        assert!(d
            .explanation
            .starts_with("letter not collected: first notice 2026-03-02"));
    }

    #[test]
    fn rules_as_data_can_be_corrected() {
        let json = BUILT_IN_RULES.replace("\"limit_days\": 30", "\"limit_days\": 31");
        let rules = DeadlineRules::from_json(&json).unwrap();
        assert_eq!(rules.get("wsa-complaint").unwrap().limit_days, 31);
        assert!(DeadlineRules::from_json("[{\"id\":\"x\"}]").is_err());
    }
}
