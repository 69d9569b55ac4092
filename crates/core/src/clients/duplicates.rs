//! The same person entered twice: likely duplicate pairs found from the index alone (shared
//! document numbers, name tokens in any script and spelling, birth dates), scored with the
//! reasons, and a merge of two files into one that keeps every consultation, deadline and
//! the history of both.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::views::ClientSummary;
use punkt_model::client::ClientFile;
use punkt_model::PartialDate;

use crate::error::{CoreError, Result};
use crate::Punkt;

/// A name token shared by more files than this (Mohammed, Kowalski) pairs nobody on its own.
const MAX_GROUP: usize = 50;
/// Pairs scoring below this are not reported.
pub const MIN_SCORE: f64 = 0.5;

/// Why two files look like one person (codes: front ends name them).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DuplicatePair {
    pub a: ClientSummary,
    pub b: ClientSummary,
    /// 0 to 1.
    pub score: f64,
    /// `document_number`, `same_names_and_birth_date`, `similar_names`, `shared_name`,
    /// `birth_date`, `birth_year`, `different_birth_date`, `citizenship`,
    /// `different_citizenship`.
    pub reasons: Vec<String>,
}

#[derive(Default)]
struct Evidence {
    /// Shared `n:` keys: document numbers or matter references (the index keeps both under one
    /// prefix, for search); only a document number of both people counts.
    numbers: BTreeSet<String>,
    number: bool,
    identity: bool,
    name_keys: BTreeSet<String>,
}

fn birth(s: &Option<String>) -> Option<PartialDate> {
    s.as_deref().and_then(|b| b.parse().ok())
}

fn score(e: &Evidence, a: &ClientSummary, b: &ClientSummary) -> (f64, Vec<String>) {
    let mut score: f64 = 0.0;
    let mut reasons = Vec::new();
    let mut add = |points: f64, reason: &str| {
        score += points;
        reasons.push(reason.to_string());
    };
    if e.number {
        add(0.6, "document_number");
    }
    if e.identity {
        // Same names and the same full birth date is strong; the same year only (common for
        // people who do not know their date) much less so.
        let full = matches!(birth(&a.birth_date), Some(PartialDate::Day(_)));
        add(if full { 0.5 } else { 0.35 }, "same_names_and_birth_date");
    }
    match e.name_keys.len() {
        0 => {}
        1 => add(0.1, "shared_name"),
        _ => add(0.3, "similar_names"),
    }
    if let (Some(x), Some(y)) = (birth(&a.birth_date), birth(&b.birth_date)) {
        if x == y && !e.identity {
            add(0.25, "birth_date");
        } else if x.year() == y.year() && x != y {
            add(0.1, "birth_year");
        } else if (x.year() - y.year()).abs() > 1 {
            add(-0.3, "different_birth_date");
        }
    }
    match (&a.citizenship, &b.citizenship) {
        (Some(x), Some(y)) if x == y => add(0.05, "citizenship"),
        (Some(_), Some(_)) => add(-0.1, "different_citizenship"),
        _ => {}
    }
    (score.clamp(0.0, 1.0), reasons)
}

impl Punkt {
    /// Likely duplicate pairs, best first, at most `limit`.
    pub fn duplicates(&self, limit: usize) -> Result<Vec<DuplicatePair>> {
        let mut evidence: BTreeMap<(String, String), Evidence> = BTreeMap::new();
        for (a, b, key) in self.store.duplicate_candidates(MAX_GROUP)? {
            let e = evidence.entry((a, b)).or_default();
            match key.split_once(':') {
                Some(("n", v)) => {
                    e.numbers.insert(v.to_string());
                }
                Some(("i", _)) => e.identity = true,
                // A token's skeleton and dictionary keys are one piece of evidence, counted by
                // the token: strip the kind so "s:mhmd" and "d:muhammad" do not count twice
                // only when they are equal after it.
                Some((_, v)) => {
                    e.name_keys.insert(v.to_string());
                }
                None => {}
            }
        }
        // A shared number counts when it is an identity document of both (a family shares its
        // case reference, not its passports). Only these pairs load their two files.
        let mut documents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for ((a, b), e) in evidence.iter_mut() {
            if e.numbers.is_empty() {
                continue;
            }
            for id in [a, b] {
                if !documents.contains_key(id) {
                    let numbers = self
                        .client(id)?
                        .person
                        .identifiers
                        .values()
                        .map(|i| punkt_model::names::normalise_document_number(&i.number))
                        .collect();
                    documents.insert(id.clone(), numbers);
                }
            }
            e.number = e
                .numbers
                .iter()
                .any(|n| documents[a].contains(n) && documents[b].contains(n));
        }
        let ids: Vec<String> = evidence
            .keys()
            .flat_map(|(a, b)| [a.clone(), b.clone()])
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let summaries: BTreeMap<String, ClientSummary> = self
            .store
            .client_summaries(&ids)?
            .into_iter()
            .map(|s| (s.id.clone(), ClientSummary::from(s)))
            .collect();
        let mut pairs: Vec<DuplicatePair> = evidence
            .into_iter()
            .filter_map(|((a, b), e)| {
                let (a, b) = (summaries.get(&a)?.clone(), summaries.get(&b)?.clone());
                let (score, reasons) = score(&e, &a, &b);
                (score >= MIN_SCORE).then_some(DuplicatePair {
                    a,
                    b,
                    score: (score * 100.0).round() / 100.0,
                    reasons,
                })
            })
            .collect();
        pairs.sort_by(|x, y| {
            y.score
                .total_cmp(&x.score)
                .then_with(|| x.a.id.cmp(&y.a.id))
                .then_with(|| x.b.id.cmp(&y.b.id))
        });
        pairs.truncate(limit);
        Ok(pairs)
    }
}

/// What a merge did.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MergeSummary {
    pub kept: String,
    pub merged: String,
    /// Entries the survivor gained, by part of the file.
    pub added: BTreeMap<String, u64>,
}

/// Copy into `keep` whatever `other` has that `keep` lacks. Entries are keyed by ids made on
/// the laptops, so this is idempotent: running it again adds nothing.
pub(crate) fn absorb(keep: &mut ClientFile, other: &ClientFile) -> BTreeMap<String, u64> {
    fn union<V: Clone>(
        into: &mut BTreeMap<String, V>,
        from: &BTreeMap<String, V>,
        what: &str,
        added: &mut BTreeMap<String, u64>,
    ) {
        for (k, v) in from {
            if !into.contains_key(k) {
                into.insert(k.clone(), v.clone());
                *added.entry(what.to_string()).or_default() += 1;
            }
        }
    }
    let mut added = BTreeMap::new();
    union(
        &mut keep.legal_status,
        &other.legal_status,
        "legal_status",
        &mut added,
    );
    union(
        &mut keep.vulnerabilities,
        &other.vulnerabilities,
        "vulnerabilities",
        &mut added,
    );
    union(&mut keep.consents, &other.consents, "consents", &mut added);
    union(
        &mut keep.processing,
        &other.processing,
        "processing",
        &mut added,
    );
    union(&mut keep.matters, &other.matters, "matters", &mut added);
    union(
        &mut keep.consultations,
        &other.consultations,
        "consultations",
        &mut added,
    );
    union(
        &mut keep.deadlines,
        &other.deadlines,
        "deadlines",
        &mut added,
    );
    union(&mut keep.sections, &other.sections, "sections", &mut added);
    union(
        &mut keep.referrals,
        &other.referrals,
        "referrals",
        &mut added,
    );
    union(
        &mut keep.attachments,
        &other.attachments,
        "attachments",
        &mut added,
    );
    union(
        &mut keep.person.identifiers,
        &other.person.identifiers,
        "identifiers",
        &mut added,
    );

    // The person: fill what the survivor lacks; never overwrite what it has.
    let (p, o) = (&mut keep.person, &other.person);
    let mut filled = 0u64;
    let mut fill = |dst: &mut Option<String>, src: &Option<String>| {
        if dst.is_none() && src.is_some() {
            *dst = src.clone();
            filled += 1;
        }
    };
    fill(&mut p.given_names_original, &o.given_names_original);
    fill(&mut p.family_name_original, &o.family_name_original);
    fill(&mut p.contact.phone, &o.contact.phone);
    fill(&mut p.contact.email, &o.contact.email);
    fill(&mut p.contact.address, &o.contact.address);
    if p.given_names.is_empty() && !o.given_names.is_empty() {
        p.given_names = o.given_names.clone();
        filled += 1;
    }
    if p.family_name.is_empty() && !o.family_name.is_empty() {
        p.family_name = o.family_name.clone();
        filled += 1;
    }
    if p.birth_date.is_none() && o.birth_date.is_some() {
        p.birth_date = o.birth_date;
        p.birth_date_approximate = o.birth_date_approximate;
        filled += 1;
    }
    if p.sex == Default::default() && o.sex != Default::default() {
        p.sex = o.sex;
        filled += 1;
    }
    for c in &o.citizenships {
        if !p.citizenships.contains(c) {
            p.citizenships.push(c.clone());
            filled += 1;
        }
    }
    for l in &o.languages {
        if !p.languages.contains(l) {
            p.languages.push(l.clone());
            filled += 1;
        }
    }
    if filled > 0 {
        added.insert("person".into(), filled);
    }
    let theirs = other.summary.as_str().trim();
    if !theirs.is_empty() && !keep.summary.as_str().contains(theirs) {
        let end = keep.summary.as_str().len();
        let sep = if end == 0 { "" } else { "\n\n" };
        keep.summary.splice(end, 0, format!("{sep}{theirs}"));
        added.insert("summary".into(), 1);
    }
    added
}

impl Punkt {
    /// Merge `other` into `keep`: the survivor gains every entry `other` has (consultations,
    /// deadlines, statuses, matters, consents, documents, attachments) and the person's
    /// details it lacks; `other` is marked as merged (its history stays) and drops out of
    /// lists, search, the board and reports on every device once synced.
    pub fn merge_clients(&mut self, keep: &str, other: &str) -> Result<MergeSummary> {
        if keep == other {
            return Err(CoreError::Invalid(
                "a file cannot be merged into itself".into(),
            ));
        }
        let kept = self.client(keep)?;
        let gone = self.client(other)?;
        if let Some(into) = &kept.merged_into {
            return Err(CoreError::Invalid(format!(
                "the file {keep} was already merged into {into}"
            )));
        }
        // Merging again into the same survivor copies what reached the merged file since (an
        // edit made offline while another laptop merged it); into another survivor, never.
        let again = match &gone.merged_into {
            Some(into) if into == keep => true,
            Some(into) => {
                return Err(CoreError::Invalid(format!(
                    "the file {other} was already merged into {into}"
                )))
            }
            None => false,
        };
        if kept.organisation != gone.organisation {
            return Err(CoreError::Invalid(
                "files of two organisations cannot be merged: each is its own controller's".into(),
            ));
        }
        if !again {
            self.may_remove(other, &gone.created_at, "merge away")?;
        }
        let mut added = BTreeMap::new();
        self.edit_client(keep, |file, _| {
            added = absorb(file, &gone);
            Ok(())
        })?;
        if !again {
            let target = keep.to_string();
            self.edit_client(other, move |file, _| {
                file.merged_into = Some(target);
                Ok(())
            })?;
            self.record_event(
                "merge",
                Some(keep),
                &format!("file {other} merged into {keep}"),
            )?;
        }
        Ok(MergeSummary {
            kept: keep.to_string(),
            merged: other.to_string(),
            added,
        })
    }
}
