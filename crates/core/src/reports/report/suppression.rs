//! Small-cell suppression for exports: counts of 1 to 4 people hidden, and the one count that
//! would give a lone hidden cell away hidden beside it.

use super::*;

/// How a count shows in an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hide {
    #[default]
    Shown,
    /// A count of 1 to 4 people: "<5".
    Small,
    /// A larger count hidden so that a small one cannot be worked out from the total: "*".
    Complement,
}

/// What a count hidden so that a small one cannot be worked out from the total shows.
pub const COMPLEMENT: &str = "*";

/// Which counts an export hides ([`Disclosure::External`]).
#[derive(Debug, Default, PartialEq)]
pub struct Suppression {
    pub total: Hide,
    /// Rows of [`Report::rows`] whose people and consultations are hidden.
    pub rows: HashMap<usize, Hide>,
    pub activity_total: [Hide; 4],
    /// Per row of [`Report::activity_rows`]: participants, women, men, children.
    pub activity_rows: HashMap<usize, [Hide; 4]>,
}

impl Suppression {
    pub(super) fn row(&self, i: usize) -> Hide {
        self.rows.get(&i).copied().unwrap_or_default()
    }

    pub(super) fn activity_row(&self, i: usize) -> [Hide; 4] {
        self.activity_rows.get(&i).copied().unwrap_or_default()
    }
}

pub(super) fn small(n: u64) -> Hide {
    if (1..SMALL_CELL).contains(&n) {
        Hide::Small
    } else {
        Hide::Shown
    }
}

/// Hide the cells of `group` (indices with their count) that are small and, when that hides
/// exactly one, the next smallest (not zero) too: a lone hidden cell could be worked out from
/// the total.
pub(super) fn suppress_group(group: &[(usize, u64)]) -> Vec<(usize, Hide)> {
    let mut hidden: Vec<(usize, Hide)> = group
        .iter()
        .filter(|(_, n)| small(*n) == Hide::Small)
        .map(|(i, _)| (*i, Hide::Small))
        .collect();
    if let [(lone, _)] = hidden[..] {
        if let Some((i, _)) = group
            .iter()
            .filter(|(i, n)| *n > 0 && *i != lone)
            .min_by_key(|(i, n)| (*n, *i))
        {
            hidden.push((*i, Hide::Complement));
        }
    }
    hidden
}

impl Report {
    /// What an export for `disclosure` hides.
    pub fn suppression(&self, disclosure: Disclosure) -> Suppression {
        let mut s = Suppression::default();
        if disclosure == Disclosure::Internal {
            return s;
        }
        s.total = small(self.total.people);
        let mut groups: HashMap<(&str, &str), Vec<(usize, u64)>> = HashMap::new();
        for (i, r) in self.rows.iter().enumerate() {
            let service = if r.dimension == "service" {
                ""
            } else {
                r.service.as_str()
            };
            groups
                .entry((r.dimension.as_str(), service))
                .or_default()
                .push((i, r.people));
        }
        for group in groups.values() {
            s.rows.extend(suppress_group(group));
        }
        for (m, n) in self.activities.headcounts().into_iter().enumerate() {
            s.activity_total[m] = small(n);
        }
        for m in 0..4 {
            let mut groups: HashMap<&str, Vec<(usize, u64)>> = HashMap::new();
            for (i, r) in self.activity_rows.iter().enumerate() {
                groups
                    .entry(r.dimension.as_str())
                    .or_default()
                    .push((i, r.count.headcounts()[m]));
            }
            for group in groups.values() {
                for (i, h) in suppress_group(group) {
                    s.activity_rows.entry(i).or_default()[m] = h;
                }
            }
        }
        // Women and men add up to the participants where sex was recorded for all: one shown
        // beside the other hidden would give it away.
        let pair = |h: &mut [Hide; 4]| {
            if h[1] != Hide::Shown && h[2] == Hide::Shown {
                h[2] = Hide::Complement;
            } else if h[2] != Hide::Shown && h[1] == Hide::Shown {
                h[1] = Hide::Complement;
            }
        };
        pair(&mut s.activity_total);
        for h in s.activity_rows.values_mut() {
            pair(h);
        }
        s
    }
}

/// A count as an export shows it: the number, "<5" or "*".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub(super) enum Shown {
    Count(u64),
    Hidden(&'static str),
}

impl Shown {
    pub(super) fn new(n: u64, hide: Hide) -> Shown {
        match hide {
            Hide::Shown => Shown::Count(n),
            Hide::Small => Shown::Hidden(SUPPRESSED),
            Hide::Complement => Shown::Hidden(COMPLEMENT),
        }
    }

    pub(super) fn text(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Hidden(s) => s.to_string(),
        }
    }
}
