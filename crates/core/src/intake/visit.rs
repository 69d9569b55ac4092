//! A visit to a guarded centre: people one after another, each given a consultation at the
//! centre, a new person taken in as detained there, and maybe a deadline from a decision they
//! show. One call per person and one write: a refused or failed call writes nothing, so a retry
//! can neither take the person in twice nor save the consultation twice.

use serde::{Deserialize, Serialize};

use crate::views::ClientSummary;
use punkt_model::new_id;

use crate::dto::{DeadlineInput, LegalStatusInput, PlaceInput};
use crate::error::{CoreError, Result};
use crate::{ClientInput, ConsultationInput, Punkt, RecordedDeadline};

/// One person seen during a visit.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    /// The guarded centre.
    pub centre: String,
    /// The day of the visit.
    pub date: String,
    /// A person already on file; otherwise `person` is taken in, detained at the centre
    /// since the visit's day.
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub person: Option<ClientInput>,
    pub services: Vec<String>,
    #[serde(default)]
    pub note: String,
    /// From a decision or letter the person shows.
    #[serde(default)]
    pub deadline: Option<DeadlineInput>,
}

/// What a visit recorded for one person.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitRecorded {
    pub client_id: String,
    pub consultation_id: String,
    pub deadline: Option<RecordedDeadline>,
    /// For a person taken in: files that may be the same person.
    pub likely_same: Vec<ClientSummary>,
}

impl Punkt {
    /// Record one person of a visit (see the module header).
    pub fn record_visit(&mut self, input: VisitInput) -> Result<VisitRecorded> {
        let org = self.organisation().to_string();
        let consultation = ConsultationInput {
            date: input.date.clone(),
            place: PlaceInput::Centre {
                centre: input.centre.clone(),
            },
            services: input.services,
            language: None,
            interpreter: false,
            duration_minutes: None,
            staff: None,
            matter_id: None,
            note: input.note,
            organisation: None,
            project: None,
        }
        .into_consultation(&org)?;
        let deadline = match input.deadline {
            Some(d) => Some(self.deadline_of(&d.into_request()?)?),
            None => None,
        };
        let consultation_id = new_id();
        let deadline_id = new_id();
        let (client_id, likely_same) = match (input.client_id, input.person) {
            (Some(id), None) => {
                let (c, d) = (consultation_id.clone(), deadline_id.clone());
                let (consultation, deadline) = (consultation, deadline.clone());
                self.edit_client(&id, move |file, _| {
                    file.consultations.insert(c, consultation);
                    if let Some((deadline, _)) = deadline {
                        file.deadlines.insert(d, deadline);
                    }
                    Ok(())
                })?;
                (id, Vec::new())
            }
            (None, Some(mut person)) => {
                let centre = consultation.place.centre.clone();
                person
                    .legal_status
                    .get_or_insert_with(Vec::new)
                    .push(LegalStatusInput {
                        id: None,
                        status: "detained".into(),
                        from: Some(consultation.date.to_string()),
                        until: None,
                        centre,
                        purpose: None,
                        note: None,
                    });
                let sensitive = person.take_sensitive_flags()?;
                if let Some(flags) = &sensitive {
                    self.require_sensitive_reader(flags)?;
                }
                let mut file = self.prepare_client(person)?;
                file.consultations
                    .insert(consultation_id.clone(), consultation);
                if let Some((deadline, _)) = &deadline {
                    file.deadlines.insert(deadline_id.clone(), deadline.clone());
                }
                self.insert_clients(std::slice::from_ref(&file))?;
                if let Some(flags) = sensitive.filter(|f| !f.is_empty()) {
                    self.set_sensitive_flags(&file.id, &flags)?;
                }
                let same = self.likely_same_person(&file.id)?;
                (file.id, same)
            }
            _ => {
                return Err(CoreError::Invalid(
                    "a visit records either a person on file (client_id) or a new one (person)"
                        .into(),
                ))
            }
        };
        Ok(VisitRecorded {
            deadline: deadline.map(|(_, due)| RecordedDeadline {
                id: deadline_id,
                client_id: client_id.clone(),
                due,
            }),
            client_id,
            consultation_id,
            likely_same,
        })
    }
}
