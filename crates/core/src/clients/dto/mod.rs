//! Transport types: what front ends send (inputs, validated here) and receive (views).
//! Domain types never cross the boundary themselves.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use punkt_model::client::{
    ClientFile, ConsentRecord, Consultation, Contact, Deadline, Identifier, LegalStatusEntry,
    Matter, Person, Place, VulnerabilityRecord,
};
use punkt_model::organisation::project_code;
use punkt_model::reference;
use punkt_model::vocab::{
    IdentifierKind, LegalStatus, MatterKind, MatterStatus, PlaceKind, Service, Sex, Vulnerability,
};
use punkt_model::{new_id, IsoDate, ModelError, PartialDate};

use crate::error::{CoreError, Result};
use crate::input::parse_json;

mod apply;
#[cfg(test)]
mod tests;
mod views;

pub use apply::*;
pub use views::*;

/// Names in the original script: a whole name ("Тарас Шевченко", given names first) or its parts.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum OriginalNamesInput {
    Full(String),
    Parts {
        #[serde(default)]
        given_names: Option<String>,
        #[serde(default)]
        family_name: Option<String>,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct IdentifierInput {
    pub id: Option<String>,
    pub kind: String,
    pub number: String,
    pub issued_by: Option<String>,
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct LegalStatusInput {
    pub id: Option<String>,
    pub status: String,
    pub from: Option<String>,
    pub until: Option<String>,
    pub centre: Option<String>,
    /// For a residence permit (temporary, permanent, EU long-term, CUKR): what it was given
    /// for (`work`, `family`, `study`...).
    #[serde(default)]
    pub purpose: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub id: Option<String>,
    pub clause: String,
    pub language: String,
    pub given_on: String,
    pub recorded_by: Option<String>,
    pub legal_basis: Option<String>,
    pub withdrawn_on: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct MatterInput {
    pub id: Option<String>,
    pub kind: String,
    pub authority: Option<String>,
    pub reference: Option<String>,
    pub status: Option<String>,
    pub opened: Option<String>,
    pub closed: Option<String>,
    pub note: Option<String>,
}

/// A new client (`client add`) or the keys to set on one (`client update`). Collections given
/// in an update are merged: an entry with a known `id` replaces that entry (a matter sent
/// without `status` keeps its state), one without an `id` is added. `vulnerabilities` is a set:
/// the list given replaces it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub given_names: Option<String>,
    pub family_name: Option<String>,
    pub names_original: Option<OriginalNamesInput>,
    pub birth_date: Option<String>,
    pub birth_date_approximate: Option<bool>,
    pub sex: Option<String>,
    pub citizenships: Option<Vec<String>>,
    pub stateless: Option<bool>,
    pub languages: Option<Vec<String>>,
    pub interpreter_needed: Option<bool>,
    pub contact: Option<ContactInput>,
    pub identifiers: Option<Vec<IdentifierInput>>,
    pub legal_status: Option<Vec<LegalStatusInput>>,
    pub vulnerabilities: Option<Vec<String>>,
    pub consents: Option<Vec<ConsentInput>>,
    /// The legal bases of processing (see `processing.rs`).
    #[serde(default)]
    pub processing: Option<Vec<crate::processing::ProcessingInput>>,
    pub matters: Option<Vec<MatterInput>>,
    pub summary: Option<String>,
}

/// Where a consultation took place, as front ends send it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PlaceInput {
    Point { city: String },
    Centre { centre: String },
    Remote,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ConsultationInput {
    pub date: String,
    pub place: PlaceInput,
    pub services: Vec<String>,
    pub language: Option<String>,
    #[serde(default)]
    pub interpreter: bool,
    pub duration_minutes: Option<u64>,
    pub staff: Option<String>,
    pub matter_id: Option<String>,
    #[serde(default)]
    pub note: String,
    /// Defaults to the store's organisation.
    pub organisation: Option<String>,
    /// A project code of the organisation's settings.
    #[serde(default)]
    pub project: Option<String>,
}

/// A date a person typed: a real date, and a plausible one.
pub(crate) fn input_date(s: &str) -> Result<IsoDate> {
    Ok(s.parse::<IsoDate>()?.plausible()?)
}

impl ClientInput {
    /// Take the sensitive flags (`Vulnerability::is_sensitive`) out of `vulnerabilities`, which
    /// keeps the others: `Some` (maybe empty) when the set was given, so the caller replaces
    /// the sensitive set too.
    pub(crate) fn take_sensitive_flags(&mut self) -> Result<Option<Vec<Vulnerability>>> {
        let Some(list) = self.vulnerabilities.take() else {
            return Ok(None);
        };
        let mut keep = Vec::new();
        let mut sensitive = Vec::new();
        for code in list {
            let v = code.parse::<Vulnerability>()?;
            if v.is_sensitive() {
                sensitive.push(v);
            } else {
                keep.push(code);
            }
        }
        sensitive.sort();
        sensitive.dedup();
        self.vulnerabilities = Some(keep);
        Ok(Some(sensitive))
    }

    pub fn from_json(json: &str) -> Result<Self> {
        parse_json(json, "client JSON")
    }

    /// A consent recorded now without saying by whom was recorded by this laptop's author.
    pub(crate) fn default_recorded_by(&mut self, author: Option<&str>) {
        for c in self.consents.iter_mut().flatten() {
            if c.id.is_none() && c.recorded_by.as_deref().is_none_or(|r| r.trim().is_empty()) {
                c.recorded_by = author.map(str::to_string);
            }
        }
        // A legal basis too: who relied on it is part of the record (GDPR Art. 5(2)).
        for b in self.processing.iter_mut().flatten() {
            if b.id.is_none() && b.recorded_by.as_deref().is_none_or(|r| r.trim().is_empty()) {
                b.recorded_by = author.map(str::to_string);
            }
        }
    }
}

impl ConsultationInput {
    pub fn from_json(json: &str) -> Result<Self> {
        parse_json(json, "consultation JSON")
    }
}

pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub(crate) fn opt_date(s: Option<String>) -> Result<Option<IsoDate>> {
    Ok(match non_empty(s) {
        Some(s) => Some(input_date(&s)?),
        None => None,
    })
}

/// A date error names the field it is in, so a front end can point at it.
pub(crate) fn at<T>(field: &str, r: Result<T>) -> Result<T> {
    r.map_err(|e| match e {
        CoreError::Model(m) if m.field_name().is_none() => {
            CoreError::Model(ModelError::field(field, m.to_string()))
        }
        other => other,
    })
}

/// `later` may not come before `earlier` (compared when both are whole dates).
fn not_before<T: ToString>(field: &str, earlier: Option<&T>, later: Option<&T>) -> Result<()> {
    if let (Some(a), Some(b)) = (earlier.map(T::to_string), later.map(T::to_string)) {
        if a.len() == 10 && b.len() == 10 && b < a {
            return Err(CoreError::Model(ModelError::field(
                field,
                format!("{b} is before {a}"),
            )));
        }
    }
    Ok(())
}

fn opt_partial(s: Option<String>) -> Result<Option<PartialDate>> {
    Ok(match non_empty(s) {
        Some(s) => Some(s.parse()?),
        None => None,
    })
}

fn split_original(full: &str, family_latin: &str) -> (Option<String>, Option<String>) {
    use punkt_model::names::{latin_spellings, skeleton, tokens};
    let parts: Vec<&str> = full.split_whitespace().collect();
    if parts.len() < 2 {
        return (None, non_empty(Some(full.to_string())));
    }
    // Find the part that transliterates to the Latin family name; otherwise take the last.
    let family_skel = tokens(family_latin)
        .iter()
        .map(|t| skeleton(t))
        .collect::<Vec<_>>();
    let idx = parts
        .iter()
        .position(|p| {
            latin_spellings(p)
                .iter()
                .any(|s| family_skel.iter().any(|f| *f == skeleton(s)))
        })
        .unwrap_or(parts.len() - 1);
    let family = parts[idx].to_string();
    let given: Vec<&str> = parts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != idx)
        .map(|(_, p)| *p)
        .collect();
    (non_empty(Some(given.join(" "))), Some(family))
}

fn codes(
    list: Vec<String>,
    field: &str,
    check: fn(&str) -> Option<String>,
    what: &str,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for c in list {
        let code = check(&c).ok_or_else(|| {
            CoreError::Model(ModelError::field(field, format!("'{c}' is not {what}")))
        })?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// A deadline to compute (the calculator) or record, as front ends send it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct DeadlineInput {
    pub rule: String,
    /// The day of the event (delivery, announcement) or of the first notice.
    pub start: String,
    /// `start` is the first notice of a letter not collected: delivery is deemed 14 days later.
    #[serde(default)]
    pub first_notice: bool,
    /// The start date is not certain (the person does not remember exactly).
    #[serde(default)]
    pub uncertain: bool,
    /// The start is known only within a range: its latest possible day (the earliest is
    /// `start`); both deadlines are shown.
    #[serde(default)]
    pub start_latest: Option<String>,
    /// For limits in hours: the hour of the event, "HH:MM".
    #[serde(default)]
    pub time: Option<String>,
    pub matter_id: Option<String>,
    pub note: Option<String>,
    /// `rule` `custom-days` (a limit in days the court set), or a rule the decision sets
    /// within a range (voluntary departure: 8 to 30 days since 7 April 2023).
    #[serde(default)]
    pub days: Option<u32>,
    /// `rule` `custom-date`: the day the authority or the court named.
    #[serde(default)]
    pub due: Option<String>,
}

impl DeadlineInput {
    pub fn from_json(json: &str) -> Result<Self> {
        parse_json(json, "deadline JSON")
    }

    pub fn into_request(self) -> Result<crate::DeadlineRequest> {
        Ok(crate::DeadlineRequest {
            rule: self.rule.trim().to_string(),
            start: input_date(self.start.trim())?,
            start_kind: if self.first_notice {
                crate::DeadlineStart::FirstNotice
            } else {
                crate::DeadlineStart::Event
            },
            uncertain: self.uncertain,
            start_latest: at("start_latest", opt_date(self.start_latest))?,
            time: match non_empty(self.time) {
                None => None,
                Some(t) => Some(
                    chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| {
                        crate::CoreError::Model(punkt_model::ModelError::field(
                            "time",
                            format!("'{t}': the hour as HH:MM"),
                        ))
                    })?,
                ),
            },
            matter_id: non_empty(self.matter_id),
            note: non_empty(self.note),
            days: self.days,
            due: at("due", opt_date(self.due))?,
        })
    }
}
