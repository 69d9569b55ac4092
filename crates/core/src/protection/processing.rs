//! The legal bases of processing a person's data (GDPR Art. 6 and 9): for each purpose (legal
//! aid, representation, social or psychological support, referrals, keeping in touch), the
//! basis the organisation relies on, from when and until when. Consent is one basis among
//! several: a person in detention may be helped on the basis of legal claims, someone in danger
//! on vital interest. A basis of consent names the consent record it rests on, and ends when
//! that consent is withdrawn.

use serde::{Deserialize, Serialize};

use punkt_model::client::{ClientFile, ProcessingRecord};
use punkt_model::vocab::{LegalBasis, ProcessingPurpose};
use punkt_model::{new_id, IsoDate, ModelError};

use crate::dto::{at, input_date, non_empty, opt_date};
use crate::error::Result;

/// A basis as a front end sends it: one with a known `id` replaces it, one without is added.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ProcessingInput {
    pub id: Option<String>,
    /// `legal_aid`, `representation`, `social_support`, `psychological_support`, `referral`,
    /// `contact`.
    pub purpose: String,
    /// `consent`, `contract`, `legal_obligation`, `vital_interest`, `legitimate_interest`,
    /// `legal_claims`.
    pub basis: String,
    pub since: String,
    /// For a basis of consent: the consent record's id.
    pub consent_id: Option<String>,
    pub ended_on: Option<String>,
    pub recorded_by: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProcessingView {
    pub id: String,
    pub purpose: String,
    pub basis: String,
    /// The GDPR articles it rests on ("Art. 6(1)(f), 9(2)(f)").
    pub articles: String,
    pub since: String,
    pub consent_id: Option<String>,
    pub ended_on: Option<String>,
    /// In force today (started, not ended, its consent not withdrawn).
    pub in_force: bool,
    /// Ended because the consent it rests on was withdrawn (on that day).
    pub consent_withdrawn_on: Option<String>,
    pub recorded_by: Option<String>,
    pub note: Option<String>,
}

/// Apply `list` to `file`, each entry checked against the file's consents.
pub(crate) fn apply(file: &mut ClientFile, list: Vec<ProcessingInput>) -> Result<()> {
    for p in list {
        let id = p.id.clone().unwrap_or_else(new_id);
        let purpose: ProcessingPurpose = p.purpose.parse()?;
        let basis: LegalBasis = p.basis.parse()?;
        let since = at("processing.since", input_date(&p.since))?;
        let ended_on = at("processing.ended_on", opt_date(p.ended_on))?;
        if ended_on.is_some_and(|e| e < since) {
            return Err(ModelError::field("processing.ended_on", "ends before it starts").into());
        }
        let consent_id = non_empty(p.consent_id);
        match (basis, &consent_id) {
            (LegalBasis::Consent, None) => {
                return Err(ModelError::field(
                    "processing.consent_id",
                    "a basis of consent names the consent the person gave (record it first)",
                )
                .into())
            }
            (LegalBasis::Consent, Some(c)) => {
                let Some(consent) = file.consents.get(c) else {
                    return Err(ModelError::field(
                        "processing.consent_id",
                        format!("no consent {c} in this file"),
                    )
                    .into());
                };
                if consent.given_on > since {
                    return Err(ModelError::field(
                        "processing.since",
                        format!(
                            "the consent was given on {}, after {since}",
                            consent.given_on
                        ),
                    )
                    .into());
                }
                if consent.withdrawn_on.is_some_and(|w| w <= since) {
                    return Err(ModelError::field(
                        "processing.consent_id",
                        "that consent was withdrawn: it is no basis any more",
                    )
                    .into());
                }
            }
            (_, Some(_)) => {
                return Err(ModelError::field(
                    "processing.consent_id",
                    "only a basis of consent names a consent",
                )
                .into())
            }
            (_, None) => {}
        }
        if purpose == ProcessingPurpose::PsychologicalSupport && !basis.covers_special_categories()
        {
            return Err(ModelError::field(
                "processing.basis",
                "psychological support processes health data (GDPR Art. 9): its basis is \
                 consent, a vital interest or legal claims",
            )
            .into());
        }
        file.processing.insert(
            id,
            ProcessingRecord {
                purpose,
                basis,
                since,
                consent_id,
                ended_on,
                recorded_by: non_empty(p.recorded_by),
                note: non_empty(p.note),
            },
        );
    }
    Ok(())
}

/// The file's bases as screens show them, in force on `today`.
pub(crate) fn views(file: &ClientFile, today: IsoDate) -> Vec<ProcessingView> {
    let view = |id: &str, r: &ProcessingRecord| ProcessingView {
        id: id.to_string(),
        purpose: r.purpose.to_string(),
        basis: r.basis.to_string(),
        articles: r.basis.articles().to_string(),
        since: r.since.to_string(),
        consent_id: r.consent_id.clone(),
        ended_on: r.ended_on.map(|d| d.to_string()),
        in_force: file.processing_in_force(r, today),
        consent_withdrawn_on: r
            .consent_id
            .as_ref()
            .and_then(|c| file.consents.get(c))
            .and_then(|c| c.withdrawn_on)
            .map(|d| d.to_string()),
        recorded_by: r.recorded_by.clone(),
        note: r.note.clone(),
    };
    crate::dto::listed(&file.processing, view, |r| r.since.to_string())
}
