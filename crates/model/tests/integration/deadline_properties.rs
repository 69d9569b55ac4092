//! Properties of the deadline calculator over any start date and rule of the built-in book.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use proptest::prelude::*;
use punkt_model::deadlines::{CountOptions, RuleBook, Shift, Unit};
use punkt_model::holidays::{holiday_on, non_working_reason};
use punkt_model::IsoDate;

proptest! {
    #[test]
    fn a_limit_that_moves_ends_on_the_first_working_day_on_or_after_its_nominal_end(
        days in 0i64..(100 * 365),
        rule_index in 0usize..64,
        uncertain: bool,
    ) {
        let book = RuleBook::built_in();
        let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Duration::days(days);
        let moving: Vec<_> = book
            .all()
            .iter()
            .filter(|r| r.shift != Shift::None && r.in_force_on(from) && r.min.is_none())
            .collect();
        prop_assume!(!moving.is_empty());
        let rule = moving[rule_index % moving.len()];
        let d = book
            .compute(&rule.id, IsoDate(from), &CountOptions::uncertain(uncertain))
            .unwrap();
        let due = d.due_date.0;
        let nominal: NaiveDate = d.nominal_due.parse().unwrap();
        prop_assert!(nominal > from);
        if rule.unit == Unit::Days {
            prop_assert_eq!(nominal, from + Duration::days(i64::from(rule.limit)));
        }
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
    }

    #[test]
    fn a_limit_that_does_not_move_ends_on_its_nominal_day(days in 0i64..(30 * 365), rule_index in 0usize..64) {
        let book = RuleBook::built_in();
        let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Duration::days(days);
        let fixed: Vec<_> = book
            .all()
            .iter()
            .filter(|r| r.shift == Shift::None && r.in_force_on(from) && r.unit != Unit::Hours && r.min.is_none())
            .collect();
        prop_assume!(!fixed.is_empty());
        let rule = fixed[rule_index % fixed.len()];
        let d = book.compute(&rule.id, IsoDate(from), &CountOptions::default()).unwrap();
        prop_assert_eq!(&d.due, &d.nominal_due);
        prop_assert!(d.moved_over.is_empty());
    }
}
