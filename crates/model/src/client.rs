//! The client file: one Automerge document per person, mapped with autosurgeon.
//!
//! Collections are maps keyed by ids made on the laptop (ULIDs), never lists addressed by
//! position, so two laptops adding a consultation at the same time never collide. The case
//! summary is Automerge text (two people may edit it at once); a consultation's note is a plain
//! string (one author, one event), which keeps documents fast to load.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};

use crate::date::{IsoDate, PartialDate};
use crate::vocab::{
    IdentifierKind, LegalBasis, LegalStatus, MatterKind, MatterStatus, PlaceKind,
    ProcessingPurpose, ResidencePurpose, Service, Sex, Track, Vulnerability,
};

/// The schema version this build writes. Readers migrate older documents on read.
pub const CLIENT_SCHEMA_VERSION: u64 = 6;

/// The document kind stored in the document's root, so a document can never be read as the
/// wrong kind.
pub const CLIENT_DOCUMENT_KIND: &str = "client_file";

fn none<T>() -> Option<T> {
    None
}

/// One person's file.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct ClientFile {
    pub kind: String,
    pub schema_version: u64,
    pub id: String,
    /// The organisation that owns (is the controller of) this file.
    pub organisation: String,
    pub created_at: String,
    /// Set on every edit; the index's "recently changed" list reads it.
    #[autosurgeon(missing = "Default::default")]
    pub updated_at: String,
    pub person: Person,
    #[autosurgeon(missing = "Default::default")]
    pub legal_status: BTreeMap<String, LegalStatusEntry>,
    /// Keyed by the vulnerability's name, so the same flag set twice is one flag.
    #[autosurgeon(missing = "Default::default")]
    pub vulnerabilities: BTreeMap<String, VulnerabilityRecord>,
    #[autosurgeon(missing = "Default::default")]
    pub consents: BTreeMap<String, ConsentRecord>,
    /// What the organisation processes the person's data for, and on which legal basis
    /// (schema 6): consent is one basis among several.
    #[autosurgeon(missing = "Default::default")]
    pub processing: BTreeMap<String, ProcessingRecord>,
    #[autosurgeon(missing = "Default::default")]
    pub matters: BTreeMap<String, Matter>,
    #[autosurgeon(missing = "Default::default")]
    pub consultations: BTreeMap<String, Consultation>,
    #[autosurgeon(missing = "Default::default")]
    pub deadlines: BTreeMap<String, Deadline>,
    #[autosurgeon(missing = "Default::default")]
    pub summary: Text,
    /// Scans and photos (of decisions, mostly): what they are; the bytes live in a document of
    /// their own ([`ATTACHMENT_DOCUMENT_KIND`]) keyed by the same id. Since schema version 2.
    #[autosurgeon(missing = "Default::default")]
    pub attachments: BTreeMap<String, AttachmentRef>,
    /// Restricted sections (psychological, medical notes): that they exist, never what they
    /// say. The notes live in a document of their own, keyed by the same id, which only the
    /// roles allowed receive (`punkt_sync::access`). Since schema version 3.
    #[autosurgeon(missing = "Default::default")]
    pub sections: BTreeMap<String, SectionRef>,
    /// Referrals made to other member organisations, keyed by the referral document's id (the
    /// document both organisations share). Since schema version 3.
    #[autosurgeon(missing = "Default::default")]
    pub referrals: BTreeMap<String, ReferralRef>,
    /// Set when this file was merged into another (the same person entered twice): the file
    /// is kept, with its history, and every device shows the survivor in its place.
    #[autosurgeon(missing = "none")]
    pub merged_into: Option<String>,
    /// Set on the anonymised copy a retention rule leaves of a closed file: no names, no
    /// documents, no notes, only what donor reports count (the original is erased).
    #[autosurgeon(missing = "none")]
    pub anonymised_at: Option<String>,
}

/// A restricted section as the client file lists it.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct SectionRef {
    /// `psychological`, `medical` (the names of `punkt_sync::access::SECTIONS`).
    pub section: String,
    pub created_at: String,
    #[autosurgeon(missing = "none")]
    pub created_by: Option<String>,
}

/// A referral as the referring organisation's client file lists it.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct ReferralRef {
    pub to_organisation: String,
    pub service: Service,
    pub created_at: String,
}

/// The kind of the document holding one attachment's bytes.
pub const ATTACHMENT_DOCUMENT_KIND: &str = "attachment";

/// An attachment as the client file lists it.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct AttachmentRef {
    /// The file name it came with (no directories).
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub added_at: String,
    #[autosurgeon(missing = "none")]
    pub added_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Person {
    pub given_names: String,
    pub family_name: String,
    /// Given names in the original script (Cyrillic, Arabic, Georgian...).
    #[autosurgeon(missing = "none")]
    pub given_names_original: Option<String>,
    #[autosurgeon(missing = "none")]
    pub family_name_original: Option<String>,
    #[autosurgeon(missing = "none")]
    pub birth_date: Option<PartialDate>,
    /// The birth date is an estimate ("about 1990").
    #[autosurgeon(missing = "Default::default")]
    pub birth_date_approximate: bool,
    #[autosurgeon(missing = "Default::default")]
    pub sex: Sex,
    /// ISO 3166-1 alpha-2 codes, the first the one reports count by.
    #[autosurgeon(missing = "Default::default")]
    pub citizenships: Vec<String>,
    #[autosurgeon(missing = "Default::default")]
    pub stateless: bool,
    /// ISO 639-1 codes.
    #[autosurgeon(missing = "Default::default")]
    pub languages: Vec<String>,
    #[autosurgeon(missing = "Default::default")]
    pub interpreter_needed: bool,
    #[autosurgeon(missing = "Default::default")]
    pub contact: Contact,
    #[autosurgeon(missing = "Default::default")]
    pub identifiers: BTreeMap<String, Identifier>,
}

#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Contact {
    #[autosurgeon(missing = "none")]
    pub phone: Option<String>,
    #[autosurgeon(missing = "none")]
    pub email: Option<String>,
    #[autosurgeon(missing = "none")]
    pub address: Option<String>,
    #[autosurgeon(missing = "none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Identifier {
    pub kind: IdentifierKind,
    pub number: String,
    #[autosurgeon(missing = "none")]
    pub issued_by: Option<String>,
    #[autosurgeon(missing = "none")]
    pub valid_until: Option<IsoDate>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct LegalStatusEntry {
    pub status: LegalStatus,
    #[autosurgeon(missing = "none")]
    pub from: Option<PartialDate>,
    #[autosurgeon(missing = "none")]
    pub until: Option<PartialDate>,
    /// For `detained`: the guarded centre.
    #[autosurgeon(missing = "none")]
    pub centre: Option<String>,
    /// For a residence permit: what it was given for (schema 4).
    #[autosurgeon(missing = "none")]
    pub purpose: Option<ResidencePurpose>,
    #[autosurgeon(missing = "none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct VulnerabilityRecord {
    pub flag: Vulnerability,
    #[autosurgeon(missing = "none")]
    pub recorded_on: Option<IsoDate>,
    #[autosurgeon(missing = "none")]
    pub note: Option<String>,
}

/// What the person was told and agreed to, and on what legal basis Punkt holds their data.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct ConsentRecord {
    /// The information clause or consent form, by its name in the organisation.
    pub clause: String,
    /// Language the information was given in (ISO 639-1).
    pub language: String,
    pub given_on: IsoDate,
    #[autosurgeon(missing = "none")]
    pub recorded_by: Option<String>,
    /// e.g. "art. 9(2)(f) GDPR".
    #[autosurgeon(missing = "none")]
    pub legal_basis: Option<String>,
    #[autosurgeon(missing = "none")]
    pub withdrawn_on: Option<IsoDate>,
}

/// One processing of the person's data: its purpose and legal basis, from when, until when.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct ProcessingRecord {
    pub purpose: ProcessingPurpose,
    pub basis: LegalBasis,
    pub since: IsoDate,
    /// For [`LegalBasis::Consent`]: the consent record it rests on (its withdrawal ends it).
    #[autosurgeon(missing = "none")]
    pub consent_id: Option<String>,
    #[autosurgeon(missing = "none")]
    pub ended_on: Option<IsoDate>,
    #[autosurgeon(missing = "none")]
    pub recorded_by: Option<String>,
    #[autosurgeon(missing = "none")]
    pub note: Option<String>,
}

impl ClientFile {
    /// Whether processing `r` is in force on `on`: started, not ended, and for consent, the
    /// consent not withdrawn by then.
    pub fn processing_in_force(&self, r: &ProcessingRecord, on: IsoDate) -> bool {
        let withdrawn = r
            .consent_id
            .as_ref()
            .and_then(|c| self.consents.get(c))
            .is_some_and(|c| c.withdrawn_on.is_some_and(|w| w <= on));
        r.since <= on && r.ended_on.is_none_or(|e| e >= on) && !withdrawn
    }
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Matter {
    pub kind: MatterKind,
    #[autosurgeon(missing = "none")]
    pub authority: Option<String>,
    #[autosurgeon(missing = "none")]
    pub reference: Option<String>,
    pub status: MatterStatus,
    #[autosurgeon(missing = "none")]
    pub opened: Option<IsoDate>,
    #[autosurgeon(missing = "none")]
    pub closed: Option<IsoDate>,
    #[autosurgeon(missing = "none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Place {
    pub kind: PlaceKind,
    #[autosurgeon(missing = "none")]
    pub city: Option<String>,
    #[autosurgeon(missing = "none")]
    pub centre: Option<String>,
}

impl Place {
    /// The name reports group by: the city, the centre, or "remote".
    pub fn label(&self) -> String {
        match self.kind {
            PlaceKind::Point => self.city.clone().unwrap_or_default(),
            PlaceKind::Centre => self.centre.clone().unwrap_or_default(),
            PlaceKind::Remote => "remote".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Consultation {
    pub date: IsoDate,
    pub place: Place,
    pub services: Vec<Service>,
    /// The organisation that gave the consultation.
    pub organisation: String,
    #[autosurgeon(missing = "none")]
    pub language: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub interpreter: bool,
    #[autosurgeon(missing = "none")]
    pub duration_minutes: Option<u64>,
    #[autosurgeon(missing = "none")]
    pub staff: Option<String>,
    #[autosurgeon(missing = "none")]
    pub matter_id: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
    /// The project (of the organisation's settings) it was given under, for donor reports
    /// (schema 5).
    #[autosurgeon(missing = "none")]
    pub project: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Deadline {
    pub rule: String,
    /// The event that started the limit (delivery, announcement...).
    pub from: IsoDate,
    pub uncertain: bool,
    /// Computed when the deadline was recorded and stored, so a later correction of the rule
    /// book never moves a deadline silently.
    pub due: IsoDate,
    /// For limits in hours: the hour it ends ("HH:MM"), and the hour of the event.
    #[autosurgeon(missing = "none")]
    pub due_time: Option<String>,
    #[autosurgeon(missing = "none")]
    pub from_time: Option<String>,
    /// When the start is known only within a range: its latest day, and the deadline from it.
    #[autosurgeon(missing = "none")]
    pub from_latest: Option<IsoDate>,
    #[autosurgeon(missing = "none")]
    pub due_latest: Option<IsoDate>,
    /// The rule book it was counted with (its version), shown beside the deadline.
    #[autosurgeon(missing = "none")]
    pub rules_version: Option<String>,
    #[autosurgeon(missing = "none")]
    pub matter_id: Option<String>,
    #[autosurgeon(missing = "none")]
    pub note: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub done: bool,
}

impl ClientFile {
    /// A new, empty file for `organisation`.
    pub fn new(id: String, organisation: String, created_at: String) -> Self {
        ClientFile {
            kind: CLIENT_DOCUMENT_KIND.to_string(),
            schema_version: CLIENT_SCHEMA_VERSION,
            id,
            organisation,
            created_at,
            ..Default::default()
        }
    }

    /// "Given Family", the way lists show the person.
    pub fn display_name(&self) -> String {
        let p = &self.person;
        let latin = format!("{} {}", p.given_names.trim(), p.family_name.trim())
            .trim()
            .to_string();
        let original = format!(
            "{} {}",
            p.given_names_original.as_deref().unwrap_or("").trim(),
            p.family_name_original.as_deref().unwrap_or("").trim()
        )
        .trim()
        .to_string();
        match (latin.is_empty(), original.is_empty()) {
            (false, false) => format!("{latin} ({original})"),
            (false, true) => latin,
            (true, false) => original,
            (true, true) => "—".to_string(),
        }
    }

    /// The residence or protection status in force on `on` (see [`status_in_force`]).
    pub fn status_on(&self, on: chrono::NaiveDate) -> Option<LegalStatus> {
        self.status_on_track(on, Track::Residence)
    }

    /// Every track's status in force on `on`, in track order.
    pub fn statuses_on(&self, on: chrono::NaiveDate) -> Vec<LegalStatus> {
        Track::ALL
            .iter()
            .filter_map(|t| self.status_on_track(on, *t))
            .collect()
    }

    /// The status of `track` in force on `on`: the timeline of that track alone decides.
    pub fn status_on_track(&self, on: chrono::NaiveDate, track: Track) -> Option<LegalStatus> {
        let entries: Vec<&LegalStatusEntry> = self
            .legal_status
            .values()
            .filter(|e| e.status.track() == track)
            .collect();
        let rows: Vec<(String, Option<String>, Option<String>)> = self
            .legal_status
            .iter()
            .filter(|(_, e)| e.status.track() == track)
            .map(|(id, e)| {
                (
                    id.clone(),
                    e.from.map(|d| d.to_string()),
                    e.until.map(|d| d.to_string()),
                )
            })
            .collect();
        let on = on.format("%Y-%m-%d").to_string();
        let i = status_in_force(
            rows.iter()
                .map(|(id, from, until)| (id.as_str(), from.as_deref(), until.as_deref())),
            &on,
        )?;
        entries.get(i).map(|e| e.status)
    }

    /// The entry of the residence track that started last, whatever its end (the index's
    /// "latest status": a function of the document alone, unlike "in force today").
    pub fn latest_status(&self) -> Option<LegalStatus> {
        self.legal_status
            .iter()
            .filter(|(_, e)| e.status.track() == Track::Residence)
            .max_by(|(ida, a), (idb, b)| {
                let key = |d: &Option<PartialDate>| d.map(|d| d.to_string()).unwrap_or_default();
                key(&a.from).cmp(&key(&b.from)).then_with(|| ida.cmp(idb))
            })
            .map(|(_, e)| e.status)
    }
}

/// Which entry of a status timeline is in force on `on` (`YYYY-MM-DD`): among the entries that
/// started on or before it (no start: always) and have not ended before it, the one that
/// started last (ties: the later id). Dates are the stored text (`YYYY`, `YYYY-MM`,
/// `YYYY-MM-DD`); an end known only to the month or year lasts to the end of that month or year.
/// Entries are `(id, from, until)`; returns the index of the winner in the iteration order.
/// Client files and reports both decide by this one function.
pub fn status_in_force<'a>(
    entries: impl Iterator<Item = (&'a str, Option<&'a str>, Option<&'a str>)>,
    on: &str,
) -> Option<usize> {
    entries
        .enumerate()
        .filter(|(_, (_, from, until))| {
            let started = from.is_none_or(|f| f <= on);
            let ended = until.is_some_and(|u| u < &on[..u.len().min(on.len())]);
            started && !ended
        })
        .max_by(|(_, (ida, fa, _)), (_, (idb, fb, _))| {
            fa.unwrap_or("")
                .cmp(fb.unwrap_or(""))
                .then_with(|| ida.cmp(idb))
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::status_in_force;

    #[test]
    fn tracks_run_side_by_side() {
        use crate::vocab::{LegalStatus, Track};
        use crate::PartialDate;
        let mut f = super::ClientFile::new("c".into(), "Org".into(), "2026-01-01".into());
        let entry = |status, from: &str, until: Option<&str>| super::LegalStatusEntry {
            status,
            from: Some(from.parse::<PartialDate>().unwrap()),
            until: until.map(|u| u.parse::<PartialDate>().unwrap()),
            centre: None,
            purpose: None,
            note: None,
        };
        f.legal_status.insert(
            "a".into(),
            entry(LegalStatus::AsylumSeeker, "2025-10-01", None),
        );
        f.legal_status.insert(
            "b".into(),
            entry(LegalStatus::Detained, "2026-03-02", Some("2026-05-31")),
        );
        f.legal_status.insert(
            "c".into(),
            entry(LegalStatus::ReturnProcedure, "2026-02-10", None),
        );
        let on = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        // Detained later than the application: still an asylum seeker, and detained.
        assert_eq!(
            f.status_on(on("2026-04-01")),
            Some(LegalStatus::AsylumSeeker)
        );
        assert_eq!(
            f.statuses_on(on("2026-04-01")),
            [
                LegalStatus::AsylumSeeker,
                LegalStatus::Detained,
                LegalStatus::ReturnProcedure
            ]
        );
        // Released at the end of May: detention ends, the rest stays.
        assert_eq!(
            f.statuses_on(on("2026-06-01")),
            [LegalStatus::AsylumSeeker, LegalStatus::ReturnProcedure]
        );
        assert_eq!(f.status_on_track(on("2026-01-01"), Track::Detention), None);
        // The index's latest status is the residence track's, not the latest of all.
        assert_eq!(f.latest_status(), Some(LegalStatus::AsylumSeeker));
    }

    #[test]
    fn the_status_in_force_respects_starts_and_ends() {
        let timeline = [
            ("a", Some("2023"), None),
            ("b", Some("2024-02-10"), Some("2024-06")),
        ];
        let on = |d: &str| status_in_force(timeline.iter().copied(), d);
        assert_eq!(on("2022-12-31"), None, "nothing had started");
        assert_eq!(on("2023-01-01"), Some(0));
        assert_eq!(
            on("2024-06-30"),
            Some(1),
            "an end month lasts to its last day"
        );
        assert_eq!(
            on("2024-07-01"),
            Some(0),
            "after detention ended, the asylum procedure again"
        );
        // Same start: the later id wins, however precisely the start is written.
        let same = [("a", Some("2024"), None), ("b", Some("2024"), None)];
        assert_eq!(status_in_force(same.iter().copied(), "2024-05-05"), Some(1));
    }
}
