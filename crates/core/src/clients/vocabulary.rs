//! The closed lists front ends offer as choices: codes only; the UI's catalogues name them in
//! the person's language.

use serde::Serialize;

use punkt_model::deadlines::{DeadlineRule, RuleBookVersion};
use punkt_model::reference::{GUARDED_CENTRES, POINT_CITIES};
use punkt_model::vocab::{
    IdentifierKind, LegalStatus, MatterKind, MatterStatus, Service, Sex, Vulnerability,
};
use punkt_model::IsoDate;

use crate::Punkt;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Vocabulary {
    pub sexes: Vec<String>,
    pub services: Vec<String>,
    pub legal_statuses: Vec<String>,
    /// Each status's track (`residence`, `detention`, `return`, `dublin`).
    pub status_tracks: std::collections::BTreeMap<String, String>,
    /// What a residence permit is given for.
    pub residence_purposes: Vec<String>,
    pub vulnerabilities: Vec<String>,
    /// The vulnerabilities kept in the medical section, seen only by the roles that read it.
    pub sensitive_vulnerabilities: Vec<String>,
    /// Kinds of group activity.
    pub activity_kinds: Vec<String>,
    /// What a person's data is processed for, and the legal bases it may rest on.
    pub processing_purposes: Vec<String>,
    pub legal_bases: Vec<String>,
    /// Languages offered first (ISO 639-1, and 639-3 where it keeps apart what 639-1 lumps:
    /// Dari `prs` and Farsi `fa`); any known code is accepted.
    pub common_languages: Vec<String>,
    pub matter_kinds: Vec<String>,
    pub matter_statuses: Vec<String>,
    pub identifier_kinds: Vec<String>,
    pub cities: Vec<String>,
    pub centres: Vec<String>,
    pub deadline_rules: Vec<DeadlineRule>,
    /// The rule book deadlines are counted with now.
    pub rule_book: RuleBookVersion,
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| name(*v).to_string()).collect()
}

impl Punkt {
    /// Every choice list, with this store's deadline rules.
    pub fn vocabulary(&self) -> Vocabulary {
        Vocabulary {
            sexes: names(Sex::ALL, Sex::as_str),
            services: names(Service::ALL, Service::as_str),
            legal_statuses: names(LegalStatus::ALL, LegalStatus::as_str),
            status_tracks: LegalStatus::ALL
                .iter()
                .map(|s| (s.to_string(), s.track().to_string()))
                .collect(),
            residence_purposes: names(
                punkt_model::vocab::ResidencePurpose::ALL,
                punkt_model::vocab::ResidencePurpose::as_str,
            ),
            vulnerabilities: names(Vulnerability::ALL, Vulnerability::as_str),
            sensitive_vulnerabilities: Vulnerability::ALL
                .iter()
                .filter(|v| v.is_sensitive())
                .map(|v| v.to_string())
                .collect(),
            activity_kinds: names(
                punkt_model::vocab::ActivityKind::ALL,
                punkt_model::vocab::ActivityKind::as_str,
            ),
            processing_purposes: names(
                punkt_model::vocab::ProcessingPurpose::ALL,
                punkt_model::vocab::ProcessingPurpose::as_str,
            ),
            legal_bases: names(
                punkt_model::vocab::LegalBasis::ALL,
                punkt_model::vocab::LegalBasis::as_str,
            ),
            common_languages: punkt_model::reference::COMMON_LANGUAGES
                .iter()
                .map(|c| c.to_string())
                .collect(),
            matter_kinds: names(MatterKind::ALL, MatterKind::as_str),
            matter_statuses: names(MatterStatus::ALL, MatterStatus::as_str),
            identifier_kinds: names(IdentifierKind::ALL, IdentifierKind::as_str),
            cities: POINT_CITIES.iter().map(|c| c.to_string()).collect(),
            centres: GUARDED_CENTRES.iter().map(|c| c.to_string()).collect(),
            deadline_rules: self.rules().listed(IsoDate(self.today())),
            rule_book: self.rules().describe(),
        }
    }
}
