//! Search across the store, however a name was typed, from the index only.
//!
//! A query is split into terms: dates (birth dates, full or partial), document numbers
//! (anything with a digit) and name tokens. Each term is turned into index keys
//! (`punkt_model::names`), looked up, and scored; a client's score is the mean over the terms
//! of its best match per term, so a file matching every term ranks above one matching some.
//!
//! | match                               | score |
//! |-------------------------------------|-------|
//! | exact spelling (folded), date, number | 1.00 |
//! | same spelling skeleton              | 0.90  |
//! | same name in the variants dictionary | 0.85 |
//! | typo (one edit on the skeleton)     | 0.70  |
//! | prefix of a name (typing)           | 0.65  |
//! | same consonants                     | 0.60  |

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use punkt_model::names::{
    self, deletions, edit_distance, fold, latin_spellings, normalise_document_number, skeleton,
    KeyKind, MIN_TYPO_LEN,
};
use punkt_model::{IsoDate, PartialDate};

use crate::error::Result;
use crate::Punkt;

/// One search result.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    pub id: String,
    pub display_name: String,
    pub score: f64,
    pub birth_date: Option<String>,
    pub citizenship: Option<String>,
}

const EXACT: f64 = 1.0;
const SKELETON: f64 = 0.9;
const DICTIONARY: f64 = 0.85;
const TYPO: f64 = 0.7;
const PREFIX: f64 = 0.65;
const CONSONANTS: f64 = 0.6;
/// The most results one search returns.
pub const MAX_LIMIT: usize = 500;
/// Prefix and typo expansion stop at this many candidates per term.
const MAX_EXPANSION: usize = 2000;

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Date(PartialDate),
    Number(String),
    Name(String),
}

fn parse_terms(query: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let parts: Vec<&str> = query
        .split_whitespace()
        .map(|p| p.trim_matches(|c: char| c == ',' || c == ';'))
        .filter(|p| !p.is_empty())
        .collect();
    let mut i = 0;
    while i < parts.len() {
        let part = parts[i];
        i += 1;
        if part.chars().any(|c| c.is_ascii_digit()) {
            if let Ok(d) = part.parse::<PartialDate>() {
                terms.push(Term::Date(d));
                continue;
            }
            if let Ok(d) = part.parse::<IsoDate>() {
                terms.push(Term::Date(PartialDate::Day(d.0)));
                continue;
            }
            let n = normalise_document_number(part);
            if !n.is_empty() {
                terms.push(Term::Number(n));
            }
            continue;
        }
        // A document series typed apart from its number: "FA 123456".
        let next_is_number = parts.get(i).is_some_and(|n| {
            n.chars().all(|c| c.is_ascii_digit()) && n.parse::<PartialDate>().is_err()
        });
        // Only an upper-case series (Latin or Cyrillic): "Ali 123456" is a name and a number.
        if next_is_number
            && (1..=3).contains(&part.chars().count())
            && part.chars().all(|c| c.is_uppercase())
        {
            terms.push(Term::Number(normalise_document_number(&format!(
                "{part}{}",
                parts[i]
            ))));
            i += 1;
            continue;
        }
        for t in names::tokens(part) {
            terms.push(Term::Name(t));
        }
    }
    terms
}

fn kind_score(key: &str) -> f64 {
    match KeyKind::from_key(key) {
        Some(KeyKind::Exact) => EXACT,
        Some(KeyKind::Skeleton) => SKELETON,
        Some(KeyKind::Dictionary) => DICTIONARY,
        Some(KeyKind::Consonants) => CONSONANTS,
        None => EXACT,
    }
}

impl Punkt {
    /// Search client files; best first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let limit = limit.min(MAX_LIMIT);
        let terms = parse_terms(query);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        // The last name term may be a word still being typed.
        let typing = !query.ends_with(char::is_whitespace);
        let last = terms.len() - 1;
        let mut totals: HashMap<String, f64> = HashMap::new();
        for (i, term) in terms.iter().enumerate() {
            let best = self.score_term(term, typing && i == last)?;
            for (client, score) in best {
                *totals.entry(client).or_insert(0.0) += score;
            }
        }
        let n = terms.len() as f64;
        let mut ranked: Vec<(String, f64)> = totals.into_iter().map(|(c, s)| (c, s / n)).collect();
        // Ties are broken by name below, after the summaries are read; read a few more than
        // asked so a tie at the cut is resolved by name, not by chance.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let cut = ranked
            .get(limit.saturating_sub(1))
            .map(|(_, s)| *s)
            .unwrap_or(f64::MIN);
        let keep: Vec<(String, f64)> = ranked
            .into_iter()
            .take_while(|(_, s)| *s >= cut)
            .take(limit * 4)
            .collect();
        let ids: Vec<String> = keep.iter().map(|(id, _)| id.clone()).collect();
        let scores: HashMap<String, f64> = keep.into_iter().collect();
        let mut hits: Vec<SearchHit> = self
            .store
            .client_summaries(&ids)?
            .into_iter()
            .map(|s| SearchHit {
                score: (scores[&s.id] * 1000.0).round() / 1000.0,
                id: s.id,
                display_name: s.display_name,
                birth_date: s.birth_date,
                citizenship: s.citizenship,
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| fold(&a.display_name).cmp(&fold(&b.display_name)))
                .then_with(|| a.id.cmp(&b.id))
        });
        hits.truncate(limit);
        Ok(hits)
    }

    /// Best score per client for one term.
    fn score_term(&self, term: &Term, typing: bool) -> Result<HashMap<String, f64>> {
        let mut best: HashMap<String, f64> = HashMap::new();
        let mut note = |client: String, score: f64| {
            let e = best.entry(client).or_insert(0.0);
            if score > *e {
                *e = score;
            }
        };
        match term {
            Term::Date(d) => {
                let y = d.year();
                // A query date meets a stored date of any precision, scored by how well.
                let keys: Vec<(String, f64)> = match d {
                    PartialDate::Day(day) => vec![
                        (format!("b:{d}"), EXACT),
                        (format!("b:{}", day.format("%Y-%m")), 0.8),
                        (format!("b:{y}"), 0.7),
                        (format!("ba:{y}"), 0.6),
                    ],
                    PartialDate::YearMonth(..) => vec![
                        (format!("b:{d}"), EXACT),
                        (format!("bm:{d}"), 0.9),
                        (format!("b:{y}"), 0.7),
                        (format!("ba:{y}"), 0.6),
                    ],
                    PartialDate::Year(_) => vec![
                        (format!("b:{y}"), EXACT),
                        (format!("by:{y}"), 0.9),
                        (format!("ba:{y}"), 0.6),
                    ],
                };
                let scores: HashMap<String, f64> = keys.iter().cloned().collect();
                let lookup: Vec<String> = keys.into_iter().map(|(k, _)| k).collect();
                for (k, c) in self.store.lookup_search_keys(&lookup)? {
                    note(c, scores[&k]);
                }
            }
            Term::Number(n) => {
                for (_, c) in self.store.lookup_search_keys(&[format!("n:{n}")])? {
                    note(c, EXACT);
                }
                if typing && n.chars().count() >= 3 {
                    for (c, _) in self
                        .store
                        .fts_match(&format!("other : \"{n}\" *"), MAX_EXPANSION)?
                    {
                        note(c, PREFIX);
                    }
                }
            }
            Term::Name(token) => {
                let keys: Vec<String> = names::token_keys(token).into_iter().collect();
                for (k, c) in self.store.lookup_search_keys(&keys)? {
                    note(c, kind_score(&k));
                }
                let typo: Vec<String> = self.typo_keys(token)?.into_iter().collect();
                for (_, c) in self.store.lookup_search_keys(&typo)? {
                    note(c, TYPO);
                }
                if typing && token.chars().count() >= 2 {
                    let f = fold(token).replace('"', "");
                    for (c, _) in self
                        .store
                        .fts_match(&format!("names : \"{f}\" *"), MAX_EXPANSION)?
                    {
                        note(c, PREFIX);
                    }
                }
            }
        }
        Ok(best)
    }

    /// Skeleton keys in use within one edit of the token's skeletons.
    fn typo_keys(&self, token: &str) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        let skeletons: BTreeSet<String> = latin_spellings(token)
            .iter()
            .map(|s| skeleton(s))
            .filter(|s| s.chars().count() >= MIN_TYPO_LEN)
            .collect();
        for sk in skeletons {
            let dels = deletions(&sk);
            let mut probe: Vec<String> = dels.iter().cloned().collect();
            probe.push(sk.clone());
            // A stored skeleton one letter shorter than the query (a letter typed too many).
            let shorter: Vec<String> = dels.iter().map(|d| format!("s:{d}")).collect();
            for (k, _) in self.store.lookup_search_keys(&shorter)? {
                out.insert(k);
            }
            // Stored skeletons that share a deletion with the query (a substitution or a
            // transposition), or that lose a letter to become the query (a letter left out).
            for cand in self.store.skeletons_near(&probe)? {
                if cand != sk && edit_distance(&cand, &sk) == 1 {
                    out.insert(format!("s:{cand}"));
                }
            }
            if out.len() > MAX_EXPANSION {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_classified() {
        assert_eq!(
            parse_terms("Szewczenko 1990-05-12 FA123456 12.05.1990 1990"),
            vec![
                Term::Name("Szewczenko".into()),
                Term::Date("1990-05-12".parse().unwrap()),
                Term::Number("fa123456".into()),
                Term::Date("1990-05-12".parse().unwrap()),
                Term::Date(PartialDate::Year(1990)),
            ]
        );
        assert_eq!(
            parse_terms("Al-Hassan"),
            vec![Term::Name("Al".into()), Term::Name("Hassan".into())]
        );
    }
}
