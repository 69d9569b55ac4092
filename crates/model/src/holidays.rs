//! Polish public holidays (statutory days free from work) for any year, and working days.
//!
//! Source: the Act of 18 January 1951 on days free from work, as amended: Epiphany since 2011,
//! 24 December since 2025. Pentecost Sunday and Easter Sunday fall on Sundays anyway but are
//! listed so that a "why did it move" explanation can name them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

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
    pub name: &'static str,
}

/// Every statutory public holiday of `year`, in date order.
pub fn polish_holidays(year: i32) -> Vec<Holiday> {
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d).expect("fixed holiday is a valid date");
    let easter = easter_sunday(year);
    let mut days = vec![
        Holiday {
            date: ymd(1, 1),
            name: "Nowy Rok",
        },
        Holiday {
            date: easter,
            name: "Wielkanoc",
        },
        Holiday {
            date: easter + Duration::days(1),
            name: "Poniedziałek Wielkanocny",
        },
        Holiday {
            date: ymd(5, 1),
            name: "Święto Pracy",
        },
        Holiday {
            date: ymd(5, 3),
            name: "Święto Konstytucji 3 Maja",
        },
        Holiday {
            date: easter + Duration::days(49),
            name: "Zielone Świątki",
        },
        Holiday {
            date: easter + Duration::days(60),
            name: "Boże Ciało",
        },
        Holiday {
            date: ymd(8, 15),
            name: "Wniebowzięcie NMP",
        },
        Holiday {
            date: ymd(11, 1),
            name: "Wszystkich Świętych",
        },
        Holiday {
            date: ymd(11, 11),
            name: "Narodowe Święto Niepodległości",
        },
        Holiday {
            date: ymd(12, 25),
            name: "Boże Narodzenie (pierwszy dzień)",
        },
        Holiday {
            date: ymd(12, 26),
            name: "Boże Narodzenie (drugi dzień)",
        },
    ];
    if year >= 2011 {
        days.push(Holiday {
            date: ymd(1, 6),
            name: "Trzech Króli",
        });
    }
    if year >= 2025 {
        days.push(Holiday {
            date: ymd(12, 24),
            name: "Wigilia Bożego Narodzenia",
        });
    }
    days.sort_by_key(|h| h.date);
    days
}

/// The holiday falling on `date`, if any.
pub fn holiday_on(date: NaiveDate) -> Option<Holiday> {
    polish_holidays(date.year())
        .into_iter()
        .find(|h| h.date == date)
}

/// Why `date` is not a working day, or `None` when it is one.
pub fn non_working_reason(date: NaiveDate) -> Option<String> {
    if let Some(h) = holiday_on(date) {
        return Some(format!("holiday: {}", h.name));
    }
    match date.weekday() {
        Weekday::Sat => Some("Saturday".to_string()),
        Weekday::Sun => Some("Sunday".to_string()),
        _ => None,
    }
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
        let names: Vec<(String, &str)> = polish_holidays(2026)
            .into_iter()
            .map(|h| (h.date.to_string(), h.name))
            .collect();
        assert!(names.contains(&("2026-04-06".into(), "Poniedziałek Wielkanocny")));
        assert!(names.contains(&("2026-05-24".into(), "Zielone Świątki")));
        assert!(names.contains(&("2026-06-04".into(), "Boże Ciało")));
        assert!(names.contains(&("2026-12-24".into(), "Wigilia Bożego Narodzenia")));
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
