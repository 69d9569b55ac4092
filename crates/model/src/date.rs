//! Calendar dates as Punkt stores them: exact ISO dates, and birth dates that may be known only
//! to the year or the month.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::error::ModelError;

/// An exact calendar day, stored in documents as `"YYYY-MM-DD"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate(pub NaiveDate);

impl IsoDate {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(IsoDate)
    }
}

impl IsoDate {
    /// The date, if it is one people could mean when typing a case's date (1900–2200).
    pub fn plausible(self) -> Result<Self, ModelError> {
        if (1900..=2200).contains(&self.0.year()) {
            Ok(self)
        } else {
            Err(ModelError::InvalidDate(self.to_string()))
        }
    }
}

impl FromStr for IsoDate {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let s = s.trim();
        // Accept the Polish form DD.MM.YYYY too: it is how dates are written on decisions.
        let parsed = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"));
        match parsed {
            // Reading is lenient (a stored due date may run past any input limit); what people
            // type is checked by [`IsoDate::plausible`].
            Ok(d) if (1800..=9999).contains(&d.year()) => Ok(IsoDate(d)),
            _ => Err(ModelError::InvalidDate(s.to_string())),
        }
    }
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

stored_as_text!(IsoDate, "a date YYYY-MM-DD", |d| d.to_string());

/// A birth date as people know it: the full day, only the year and month, or only the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartialDate {
    Year(i32),
    YearMonth(i32, u32),
    Day(NaiveDate),
}

impl PartialDate {
    pub fn year(&self) -> i32 {
        match self {
            PartialDate::Year(y) | PartialDate::YearMonth(y, _) => *y,
            PartialDate::Day(d) => d.year(),
        }
    }

    /// Age in whole years on `on`. When only the year (or month) is known the person is taken
    /// to be born on the first day of that period, which gives the highest possible age: a
    /// report never counts an adult as a child for lack of a birthday.
    pub fn age_on(&self, on: NaiveDate) -> i32 {
        let born = match self {
            PartialDate::Year(y) => NaiveDate::from_ymd_opt(*y, 1, 1),
            PartialDate::YearMonth(y, m) => NaiveDate::from_ymd_opt(*y, *m, 1),
            PartialDate::Day(d) => Some(*d),
        };
        let Some(born) = born else { return 0 };
        let mut age = on.year() - born.year();
        if (on.month(), on.day()) < (born.month(), born.day()) {
            age -= 1;
        }
        age.max(0)
    }
}

impl FromStr for PartialDate {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let t = s.trim();
        let bad = || ModelError::InvalidDate(t.to_string());
        if t.contains('.') {
            return t
                .parse::<IsoDate>()
                .map(|d| PartialDate::Day(d.0))
                .map_err(|_| bad());
        }
        let parts: Vec<&str> = t.split('-').collect();
        let year = |p: &str| -> Result<i32, ModelError> {
            if p.len() != 4 {
                return Err(bad());
            }
            let y: i32 = p.parse().map_err(|_| bad())?;
            if (1880..=2200).contains(&y) {
                Ok(y)
            } else {
                Err(bad())
            }
        };
        match parts.as_slice() {
            [y] => Ok(PartialDate::Year(year(y)?)),
            [y, m] => {
                let m: u32 = m.parse().map_err(|_| bad())?;
                if (1..=12).contains(&m) {
                    Ok(PartialDate::YearMonth(year(y)?, m))
                } else {
                    Err(bad())
                }
            }
            [_, _, _] => {
                let d = t.parse::<IsoDate>().map_err(|_| bad())?;
                if d.0.year() < 1880 {
                    return Err(bad());
                }
                Ok(PartialDate::Day(d.0))
            }
            _ => t
                .parse::<IsoDate>()
                .map(|d| PartialDate::Day(d.0))
                .map_err(|_| bad()),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::YearMonth(y, m) => write!(f, "{y:04}-{m:02}"),
            PartialDate::Day(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

stored_as_text!(PartialDate, "a date YYYY[-MM[-DD]]", |d| d.to_string());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_parse_and_print_back() {
        for s in ["1990", "1990-05", "1990-05-12"] {
            assert_eq!(s.parse::<PartialDate>().unwrap().to_string(), s);
        }
        assert_eq!(
            "12.05.1990".parse::<PartialDate>().unwrap(),
            PartialDate::Day(NaiveDate::from_ymd_opt(1990, 5, 12).unwrap())
        );
        for bad in [
            "",
            "90",
            "1990-13",
            "1990-02-30",
            "abcd",
            "1990-05-12-1",
            "3000",
        ] {
            assert!(
                bad.parse::<PartialDate>().is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn age_uses_the_earliest_possible_birthday() {
        let on = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        assert_eq!(PartialDate::Year(2007).age_on(on), 18);
        assert_eq!(PartialDate::YearMonth(2007, 7).age_on(on), 17);
        assert_eq!("2007-06-30".parse::<PartialDate>().unwrap().age_on(on), 18);
        assert_eq!("2007-07-01".parse::<PartialDate>().unwrap().age_on(on), 17);
    }
}
