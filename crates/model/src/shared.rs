//! Documents that hang off a client file but are shared differently from it: restricted
//! sections (only some roles of the owner organisation) and referrals (the two organisations).
//! Each is an Automerge document of its own, because access is decided per document.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use crate::client::VulnerabilityRecord;
use crate::date::IsoDate;
use crate::error::ModelError;
use crate::vocab::Service;

fn none<T>() -> Option<T> {
    None
}

/// The schema version of section and referral documents.
pub const SHARED_SCHEMA_VERSION: u64 = 1;

/// The `kind` stored in a section document's root (the store's document kind is
/// `section:<name>`, which the server decides by).
pub const SECTION_KIND: &str = "section";

/// Psychological or medical notes on one person, readable only by the roles allowed.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct SectionFile {
    pub kind: String,
    pub schema_version: u64,
    pub id: String,
    pub client_id: String,
    pub organisation: String,
    /// `psychological`, `medical`.
    pub section: String,
    pub created_at: String,
    pub notes: BTreeMap<String, SectionNote>,
    /// Sensitive vulnerability flags (`Vulnerability::is_sensitive`), kept in the medical
    /// section, keyed by the flag's name.
    #[autosurgeon(missing = "Default::default")]
    pub flags: BTreeMap<String, VulnerabilityRecord>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct SectionNote {
    pub date: IsoDate,
    pub text: String,
    pub written_at: String,
    #[autosurgeon(missing = "none")]
    pub author: Option<String>,
}

impl SectionFile {
    pub fn new(
        id: String,
        client_id: String,
        organisation: String,
        section: String,
        now: String,
    ) -> Self {
        SectionFile {
            kind: SECTION_KIND.to_string(),
            schema_version: SHARED_SCHEMA_VERSION,
            id,
            client_id,
            organisation,
            section,
            created_at: now,
            notes: BTreeMap::new(),
            flags: BTreeMap::new(),
        }
    }
}

/// The `kind` stored in a referral document's root.
pub const REFERRAL_KIND: &str = "referral";

/// Where a referral stands. The receiving organisation accepts or declines, and closes it with
/// a report back; the referring one may withdraw it while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralStatus {
    Sent,
    Accepted,
    Declined,
    Closed,
    Withdrawn,
}

impl ReferralStatus {
    pub const ALL: &'static [ReferralStatus] = &[
        ReferralStatus::Sent,
        ReferralStatus::Accepted,
        ReferralStatus::Declined,
        ReferralStatus::Closed,
        ReferralStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Sent => "sent",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Closed => "closed",
            ReferralStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ReferralStatus> {
        Self::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

/// A referral: only what the person agreed to share, never the client file.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct ReferralFile {
    pub kind: String,
    pub schema_version: u64,
    pub id: String,
    pub from_organisation: String,
    pub to_organisation: String,
    pub service: Service,
    pub created_at: String,
    #[autosurgeon(missing = "none")]
    pub created_by: Option<String>,
    /// The consent the person gave to this referral (copied from the referring file).
    pub consent: ReferralConsent,
    /// What the person agreed to share.
    pub person: SharedPerson,
    /// Why the person is referred, in the referring worker's words.
    pub reason: String,
    /// The latest status (events say who set it and when).
    pub status: String,
    pub events: BTreeMap<String, ReferralEvent>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct ReferralConsent {
    pub clause: String,
    pub language: String,
    pub given_on: IsoDate,
}

/// The person as shared in a referral: each field only if the person agreed.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct SharedPerson {
    pub given_names: String,
    pub family_name: String,
    #[autosurgeon(missing = "none")]
    pub names_original: Option<String>,
    #[autosurgeon(missing = "none")]
    pub birth_date: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub citizenships: Vec<String>,
    #[autosurgeon(missing = "Default::default")]
    pub languages: Vec<String>,
    #[autosurgeon(missing = "none")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct ReferralEvent {
    pub at: String,
    pub organisation: String,
    pub status: String,
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
    #[autosurgeon(missing = "none")]
    pub author: Option<String>,
}

/// Hydrate a shared document and check its root `kind`.
pub fn read_shared<T: Hydrate>(
    doc: &automerge::AutoCommit,
    kind: &str,
    kind_of: impl Fn(&T) -> &str,
) -> Result<T, ModelError> {
    let v: T =
        autosurgeon::hydrate(doc).map_err(|e| ModelError::MalformedDocument(e.to_string()))?;
    if kind_of(&v) != kind {
        return Err(ModelError::MalformedDocument(format!(
            "expected a {kind} document, found '{}'",
            kind_of(&v)
        )));
    }
    Ok(v)
}
