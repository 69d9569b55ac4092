//! Polish public holidays (statutory days free from work) for any year, and working days.
//!
//! The holidays are data of the rule book (`crates/model/data/rule-book.json`, "holidays"):
//! the Act of 18 January 1951 on days free from work, as amended (Epiphany since 2011, 24
//! December since 2025). Pentecost Sunday and Easter Sunday fall on Sundays anyway but are
//! listed so that a "why did it move" explanation can name them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// A public holiday: its date and its Polish name (as printed in explanations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

/// One statutory day free from work, as the rule book states it: a fixed day of the year
/// (`date`, "MM-DD") or a number of days from Easter Sunday (`easter`), for the years it is in
/// force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRule {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub easter: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_year: Option<i32>,
    /// The act that makes it a day free from work.
    pub basis: String,
}

impl HolidayRule {
    fn month_day(&self) -> Option<(u32, u32)> {
        let (m, d) = self.date.as_deref()?.split_once('-')?;
        Some((m.parse().ok()?, d.parse().ok()?))
    }

    /// Its day in `year`, when it is a holiday that year.
    fn on(&self, year: i32) -> Option<NaiveDate> {
        if self.from_year.is_some_and(|y| year < y) || self.until_year.is_some_and(|y| year > y) {
            return None;
        }
        match (self.month_day(), self.easter) {
            (Some((m, d)), None) => NaiveDate::from_ymd_opt(year, m, d),
            (None, Some(offset)) => Some(easter_sunday(year) + Duration::days(offset)),
            _ => None,
        }
    }

    fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.basis.trim().is_empty() {
            return Err("a holiday needs a name and a basis".into());
        }
        match (&self.date, self.easter) {
            (Some(_), None) => {
                let ok = self
                    .month_day()
                    .is_some_and(|(m, d)| NaiveDate::from_ymd_opt(2024, m, d).is_some());
                if !ok {
                    return Err(format!("holiday '{}': date must be MM-DD", self.name));
                }
            }
            (None, Some(offset)) if (-60..=70).contains(&offset) => {}
            (None, Some(_)) => {
                return Err(format!(
                    "holiday '{}': days from Easter must be -60 to 70",
                    self.name
                ))
            }
            _ => {
                return Err(format!(
                    "holiday '{}': give either a date or days from Easter",
                    self.name
                ))
            }
        }
        if let (Some(a), Some(b)) = (self.from_year, self.until_year) {
            if a > b {
                return Err(format!(
                    "holiday '{}': from_year after until_year",
                    self.name
                ));
            }
        }
        Ok(())
    }
}

/// The days free from work a rule book names: what a limit ending on one moves over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    rules: Vec<HolidayRule>,
}

impl Calendar {
    /// A calendar of `rules`, each checked.
    pub fn new(rules: Vec<HolidayRule>) -> Result<Self, String> {
        for r in &rules {
            r.check()?;
        }
        if rules.is_empty() {
            return Err("a rule book names the public holidays".into());
        }
        Ok(Calendar { rules })
    }

    /// The calendar of the rule book built into Punkt.
    pub fn built_in() -> &'static Calendar {
        crate::deadlines::RuleBook::built_in_ref().calendar()
    }

    pub fn rules(&self) -> &[HolidayRule] {
        &self.rules
    }

    /// Every public holiday of `year`, in date order.
    pub fn holidays(&self, year: i32) -> Vec<Holiday> {
        let mut days: Vec<Holiday> = self
            .rules
            .iter()
            .filter_map(|r| {
                r.on(year).map(|date| Holiday {
                    date,
                    name: r.name.clone(),
                })
            })
            .collect();
        days.sort_by_key(|h| h.date);
        days
    }

    /// The holiday falling on `date`, if any.
    pub fn holiday_on(&self, date: NaiveDate) -> Option<Holiday> {
        self.rules.iter().find_map(|r| {
            (r.on(date.year()) == Some(date)).then(|| Holiday {
                date,
                name: r.name.clone(),
            })
        })
    }

    /// Why `date` is not a working day, or `None` when it is one.
    pub fn non_working_reason(&self, date: NaiveDate) -> Option<String> {
        if let Some(h) = self.holiday_on(date) {
            return Some(format!("holiday: {}", h.name));
        }
        match date.weekday() {
            Weekday::Sat => Some("Saturday".to_string()),
            Weekday::Sun => Some("Sunday".to_string()),
            _ => None,
        }
    }
}

/// Every statutory public holiday of `year` in the built-in rule book, in date order.
pub fn polish_holidays(year: i32) -> Vec<Holiday> {
    Calendar::built_in().holidays(year)
}

/// The holiday falling on `date`, if any (built-in rule book).
pub fn holiday_on(date: NaiveDate) -> Option<Holiday> {
    Calendar::built_in().holiday_on(date)
}

/// Why `date` is not a working day, or `None` when it is one (built-in rule book).
pub fn non_working_reason(date: NaiveDate) -> Option<String> {
    Calendar::built_in().non_working_reason(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn easter_matches_published_dates() {
        // Published Western Easter dates.
        for (y, e) in [
            (2000, "2000-04-23"),
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(y), d(e), "Easter {y}");
        }
    }

    #[test]
    fn movable_feasts_of_2026() {
        let names: Vec<(String, String)> = polish_holidays(2026)
            .into_iter()
            .map(|h| (h.date.to_string(), h.name))
            .collect();
        let has = |d: &str, n: &str| names.contains(&(d.to_string(), n.to_string()));
        assert!(has("2026-04-06", "Poniedziałek Wielkanocny"));
        assert!(has("2026-05-24", "Zielone Świątki"));
        assert!(has("2026-06-04", "Boże Ciało"));
        assert!(has("2026-12-24", "Wigilia Bożego Narodzenia"));
        assert_eq!(names.len(), 14);
    }

    #[test]
    fn christmas_eve_is_a_holiday_only_from_2025() {
        assert!(holiday_on(d("2024-12-24")).is_none());
        assert!(holiday_on(d("2025-12-24")).is_some());
        assert!(holiday_on(d("2010-01-06")).is_none());
        assert!(holiday_on(d("2011-01-06")).is_some());
    }
}
