//! From a client file to its index rows: the one function the whole index derives from.
//! A rebuild and an incremental update both call [`client_index`], so they cannot disagree.

use std::collections::BTreeSet;

use punkt_model::client::ClientFile;
use punkt_model::names::{self, fold, latin_spellings, normalise_document_number, tokens};
use punkt_model::PartialDate;
use punkt_store::index::{ClientIndex, ConsultationRow, DeadlineRow, MatterRow, StatusRow};

/// Birth-date search keys. `b:` holds the date as stored; a full date also gives `bm:` (its
/// month) and `by:` (its year), a month gives `by:`; an approximate date gives `ba:` for its
/// year and the years either side. Search scores each kind differently (`search.rs`).
pub(crate) fn birth_keys(d: &PartialDate, approximate: bool) -> Vec<String> {
    let mut keys = vec![format!("b:{d}")];
    match d {
        PartialDate::Day(day) => {
            keys.push(format!("bm:{}", day.format("%Y-%m")));
            keys.push(format!("by:{}", d.year()));
        }
        PartialDate::YearMonth(..) => keys.push(format!("by:{}", d.year())),
        PartialDate::Year(_) => {}
    }
    if approximate {
        for y in d.year() - 1..=d.year() + 1 {
            keys.push(format!("ba:{y}"));
        }
    }
    keys
}

/// The identity key of a person: the spelling skeletons of their names, in any order, and
/// their birth date as recorded. Two files with the same key are likely the same person
/// (intake and import warn about it).
pub fn identity_key(file: &ClientFile) -> Option<String> {
    let p = &file.person;
    let mut skeletons: Vec<String> = tokens(&format!("{} {}", p.given_names, p.family_name))
        .iter()
        .map(|t| names::skeleton(t))
        .filter(|s| !s.is_empty())
        .collect();
    if skeletons.is_empty() {
        let original = format!(
            "{} {}",
            p.given_names_original.as_deref().unwrap_or(""),
            p.family_name_original.as_deref().unwrap_or("")
        );
        skeletons = tokens(&original)
            .iter()
            .filter_map(|t| latin_spellings(t).first().map(|s| names::skeleton(s)))
            .filter(|s| !s.is_empty())
            .collect();
    }
    if skeletons.is_empty() {
        return None;
    }
    skeletons.sort();
    Some(format!(
        "{}|{}",
        skeletons.join(" "),
        p.birth_date.map(|d| d.to_string()).unwrap_or_default()
    ))
}

/// The index rows of `file`, a pure function of the document. The "current status" column is
/// the latest entry of the status timeline.
/// The index rows of a file read from `doc`, with the number of its fields holding concurrent
/// values (the home screen lists such files).
pub fn client_index_in(doc: &automerge::AutoCommit, file: &ClientFile) -> ClientIndex {
    let mut rows = client_index(file);
    rows.conflicts = u32::try_from(super::concurrent::conflicts_in(doc).len()).unwrap_or(u32::MAX);
    rows
}

pub fn client_index(file: &ClientFile) -> ClientIndex {
    let p = &file.person;
    let original = [
        p.given_names_original.as_deref().unwrap_or(""),
        p.family_name_original.as_deref().unwrap_or(""),
    ]
    .join(" ")
    .trim()
    .to_string();
    let all_names = [
        p.given_names.as_str(),
        p.family_name.as_str(),
        original.as_str(),
    ];
    let mut search_keys = names::name_keys(all_names);
    let mut fts_names = BTreeSet::new();
    for name in all_names {
        for t in tokens(name) {
            fts_names.insert(fold(&t));
            for s in latin_spellings(&t) {
                fts_names.insert(fold(&s));
            }
        }
    }
    let mut other = Vec::new();
    for i in p.identifiers.values() {
        let n = normalise_document_number(&i.number);
        if !n.is_empty() {
            search_keys.insert(format!("n:{n}"));
            other.push(n);
        }
    }
    if let Some(b) = &p.birth_date {
        search_keys.extend(birth_keys(b, p.birth_date_approximate));
    }
    for m in file.matters.values() {
        if let Some(r) = &m.reference {
            let n = normalise_document_number(r);
            if !n.is_empty() {
                search_keys.insert(format!("n:{n}"));
                other.push(n);
            }
        }
    }
    ClientIndex {
        conflicts: 0,
        anonymised: file.anonymised_at.is_some(),
        merged_into: file.merged_into.clone(),
        id: file.id.clone(),
        organisation: file.organisation.clone(),
        display_name: file.display_name(),
        identity_key: identity_key(file),
        given_names: p.given_names.clone(),
        family_name: p.family_name.clone(),
        names_original: original,
        birth_date: p.birth_date.map(|d| d.to_string()),
        birth_year: p.birth_date.map(|d| d.year()),
        sex: p.sex.to_string(),
        citizenship: p.citizenships.first().cloned(),
        citizenships: p.citizenships.join(" "),
        languages: p.languages.join(" "),
        current_status: file.latest_status().map(|s| s.to_string()),
        created_at: file.created_at.clone(),
        updated_at: file.updated_at.clone(),
        statuses: file
            .legal_status
            .iter()
            .map(|(id, e)| StatusRow {
                entry_id: id.clone(),
                status: e.status.to_string(),
                from_key: e.from.map(|d| d.to_string()),
                until_key: e.until.map(|d| d.to_string()),
            })
            .collect(),
        vulnerabilities: file
            .vulnerabilities
            .values()
            .map(|v| (v.flag.to_string(), v.recorded_on.map(|d| d.to_string())))
            .collect(),
        matters: file
            .matters
            .iter()
            .map(|(id, m)| MatterRow {
                id: id.clone(),
                kind: m.kind.to_string(),
                status: m.status.to_string(),
                authority: m.authority.clone(),
                reference: m.reference.clone(),
                opened: m.opened.map(|d| d.to_string()),
                closed: m.closed.map(|d| d.to_string()),
            })
            .collect(),
        consultations: file
            .consultations
            .iter()
            .map(|(id, c)| ConsultationRow {
                id: id.clone(),
                date: c.date.to_string(),
                place_kind: c.place.kind.to_string(),
                place: c.place.label(),
                organisation: c.organisation.clone(),
                language: c.language.clone(),
                interpreter: c.interpreter,
                duration_minutes: c.duration_minutes.map(|d| d as i64),
                staff: c.staff.clone(),
                services: c.services.iter().map(|s| s.to_string()).collect(),
                project: c.project.clone(),
            })
            .collect(),
        deadlines: file
            .deadlines
            .iter()
            .map(|(id, d)| DeadlineRow {
                id: id.clone(),
                rule: d.rule.clone(),
                from_date: d.from.to_string(),
                due: d.due.to_string(),
                due_time: d.due_time.clone(),
                uncertain: d.uncertain,
                done: d.done,
                matter_id: d.matter_id.clone(),
                note: d.note.clone(),
            })
            .collect(),
        search_keys,
        fts_names: fts_names.into_iter().collect::<Vec<_>>().join(" "),
        fts_other: other.join(" "),
    }
}
