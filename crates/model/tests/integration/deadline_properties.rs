//! Properties of the deadline calculator over any start date and rule.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use proptest::prelude::*;
use punkt_model::deadlines::DeadlineRules;
use punkt_model::holidays::{holiday_on, non_working_reason};
use punkt_model::IsoDate;

proptest! {
    #[test]
    fn the_due_date_is_the_first_working_day_on_or_after_the_nominal_end(
        days in 0i64..(100 * 365),
        rule_index in 0usize..7,
        uncertain: bool,
    ) {
        let rules = DeadlineRules::built_in();
        let rule = &rules.all()[rule_index];
        let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Duration::days(days);
        let d = rules.compute(&rule.id, IsoDate(from), uncertain).unwrap();
        let due = d.due_date.0;
        let nominal = from + Duration::days(i64::from(rule.limit_days));
        prop_assert!(due >= nominal);
        prop_assert!(non_working_reason(due).is_none(), "{due} is not a working day");
        prop_assert!(!matches!(due.weekday(), Weekday::Sat | Weekday::Sun));
        prop_assert!(holiday_on(due).is_none());
        // Every day skipped was a non-working day, and there are never more than five in a row
        // (24-26 December plus a weekend).
        let mut day = nominal;
        while day < due {
            prop_assert!(non_working_reason(day).is_some());
            day += Duration::days(1);
        }
        prop_assert!((due - nominal).num_days() <= 5);
        prop_assert_eq!(d.uncertain, uncertain);
        prop_assert_eq!(d.explanation.contains("earliest possible"), uncertain);
        prop_assert_eq!(due.year() - nominal.year() <= 1, true);
    }
}
