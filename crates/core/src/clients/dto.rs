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

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| CoreError::Invalid(format!("{what}: {}", without_values(&e.to_string()))))
}

/// An error message with the quoted values taken out: serde echoes what it could not read
/// (`invalid type: string "+48 600…"`), and a message may end up in a log.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' if !quoted => {
                quoted = true;
                out.push_str("\"…");
            }
            '"' => {
                quoted = false;
                out.push('"');
            }
            _ if !quoted => out.push(c),
            _ => {}
        }
    }
    out
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
fn not_before(field: &str, earlier: Option<String>, later: Option<String>) -> Result<()> {
    if let (Some(a), Some(b)) = (earlier, later) {
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

impl ClientInput {
    /// Apply the keys given to `file`. `new` says whether this is an intake (names required).
    pub fn apply(self, file: &mut ClientFile, new: bool, today: IsoDate) -> Result<()> {
        let p = &mut file.person;
        if let Some(g) = self.given_names {
            p.given_names = g.trim().to_string();
        }
        if let Some(f) = self.family_name {
            p.family_name = f.trim().to_string();
        }
        match self.names_original {
            Some(OriginalNamesInput::Full(full)) => {
                let (g, f) = split_original(full.trim(), &p.family_name);
                p.given_names_original = g;
                p.family_name_original = f;
            }
            Some(OriginalNamesInput::Parts {
                given_names,
                family_name,
            }) => {
                p.given_names_original = non_empty(given_names);
                p.family_name_original = non_empty(family_name);
            }
            None => {}
        }
        if new
            && p.given_names.is_empty()
            && p.family_name.is_empty()
            && p.given_names_original.is_none()
            && p.family_name_original.is_none()
        {
            return Err(CoreError::Model(ModelError::field(
                "name",
                "a client needs a given name or a family name",
            )));
        }
        if let Some(b) = self.birth_date {
            p.birth_date = opt_partial(Some(b))?;
            if let Some(d) = p.birth_date {
                if d.year() > chrono::Datelike::year(&today.0) {
                    return Err(CoreError::Model(ModelError::field(
                        "birth_date",
                        format!("{d} is in the future"),
                    )));
                }
            }
        }
        if let Some(a) = self.birth_date_approximate {
            p.birth_date_approximate = a;
        }
        if let Some(s) = self.sex {
            p.sex = s.parse::<Sex>()?;
        }
        if let Some(c) = self.citizenships {
            p.citizenships = codes(
                c,
                "citizenships",
                reference::country_code,
                "an ISO 3166 alpha-2 country code",
            )?;
        }
        if let Some(s) = self.stateless {
            p.stateless = s;
        }
        if let Some(l) = self.languages {
            p.languages = codes(
                l,
                "languages",
                reference::language_code,
                "an ISO 639-1 language code (or prs, ckb, kmr, rom)",
            )?;
        }
        if let Some(i) = self.interpreter_needed {
            p.interpreter_needed = i;
        }
        if let Some(c) = self.contact {
            apply_contact(&mut p.contact, c);
        }
        if let Some(ids) = self.identifiers {
            apply_identifiers(p, ids)?;
        }
        if let Some(list) = self.legal_status {
            for s in list {
                let id = s.id.clone().unwrap_or_else(new_id);
                let centre = match non_empty(s.centre) {
                    Some(c) => Some(
                        reference::guarded_centre(&c)
                            .ok_or_else(|| {
                                CoreError::Model(ModelError::field(
                                    "centre",
                                    format!("'{c}' is not a known guarded centre"),
                                ))
                            })?
                            .to_string(),
                    ),
                    None => None,
                };
                let from = at("legal_status.from", opt_partial(s.from))?;
                let until = at("legal_status.until", opt_partial(s.until))?;
                not_before(
                    "legal_status.until",
                    from.map(|d| d.to_string()),
                    until.map(|d| d.to_string()),
                )?;
                let status = s.status.parse::<LegalStatus>()?;
                let purpose = match non_empty(s.purpose) {
                    None => None,
                    Some(_) if !status.has_purpose() => {
                        return Err(CoreError::Model(ModelError::field(
                            "legal_status.purpose",
                            format!(
                                "a purpose is recorded for a residence permit, not for '{status}'"
                            ),
                        )))
                    }
                    Some(p) => Some(p.parse::<punkt_model::vocab::ResidencePurpose>()?),
                };
                file.legal_status.insert(
                    id,
                    LegalStatusEntry {
                        status,
                        from,
                        until,
                        centre,
                        purpose,
                        note: non_empty(s.note),
                    },
                );
            }
        }
        if let Some(flags) = self.vulnerabilities {
            // The list given is the whole set: flags kept keep the day they were recorded, new
            // ones get today, and those left out are removed (a flag recorded by mistake).
            let flags = flags
                .iter()
                .map(|f| f.parse::<Vulnerability>())
                .collect::<std::result::Result<Vec<_>, _>>()?;
            // Sensitive flags an older release kept in the file are not part of this set
            // (the caller keeps the sensitive set in the medical section): left as they are.
            file.vulnerabilities.retain(|code, v| {
                v.flag.is_sensitive() || flags.iter().any(|f| f.as_str() == code)
            });
            for flag in flags {
                file.vulnerabilities
                    .entry(flag.as_str().to_string())
                    .or_insert(VulnerabilityRecord {
                        flag,
                        recorded_on: Some(today),
                        note: None,
                    });
            }
        }
        if let Some(list) = self.consents {
            for c in list {
                let id = c.id.clone().unwrap_or_else(new_id);
                let language = reference::language_code(&c.language).ok_or_else(|| {
                    CoreError::Model(ModelError::field(
                        "consents.language",
                        format!("'{}' is not an ISO 639-1 language code (or prs for Dari, ckb, kmr, rom)", c.language),
                    ))
                })?;
                let clause = c.clause.trim().to_string();
                if clause.is_empty() {
                    return Err(CoreError::Model(ModelError::field(
                        "consents.clause",
                        "say which clause the person was given",
                    )));
                }
                let given_on = at("consents.given_on", input_date(&c.given_on))?;
                let withdrawn_on = at("consents.withdrawn_on", opt_date(c.withdrawn_on))?;
                not_before(
                    "consents.withdrawn_on",
                    Some(given_on.to_string()),
                    withdrawn_on.map(|d| d.to_string()),
                )?;
                file.consents.insert(
                    id,
                    ConsentRecord {
                        clause,
                        language,
                        given_on,
                        recorded_by: non_empty(c.recorded_by),
                        legal_basis: non_empty(c.legal_basis),
                        withdrawn_on,
                    },
                );
            }
        }
        if let Some(list) = self.processing {
            crate::processing::apply(file, list)?;
        }
        if let Some(list) = self.matters {
            for m in list {
                let id = m.id.clone().unwrap_or_else(new_id);
                let opened = at("matters.opened", opt_date(m.opened))?;
                let closed = at("matters.closed", opt_date(m.closed))?;
                not_before(
                    "matters.closed",
                    opened.map(|d| d.to_string()),
                    closed.map(|d| d.to_string()),
                )?;
                let status = match m.status {
                    Some(s) => s.parse::<MatterStatus>()?,
                    // Not given: a known matter keeps its state, a new one is open.
                    None => file
                        .matters
                        .get(&id)
                        .map_or(MatterStatus::Open, |old| old.status),
                };
                file.matters.insert(
                    id,
                    Matter {
                        kind: m.kind.parse::<MatterKind>()?,
                        authority: non_empty(m.authority),
                        reference: non_empty(m.reference),
                        status,
                        opened,
                        closed,
                        note: non_empty(m.note),
                    },
                );
            }
        }
        if let Some(s) = self.summary {
            // Update the hydrated text in place so only the difference becomes a change.
            file.summary.update(s);
        }
        Ok(())
    }
}

fn apply_contact(c: &mut Contact, input: ContactInput) {
    if input.phone.is_some() {
        c.phone = non_empty(input.phone);
    }
    if input.email.is_some() {
        c.email = non_empty(input.email);
    }
    if input.address.is_some() {
        c.address = non_empty(input.address);
    }
    if input.note.is_some() {
        c.note = non_empty(input.note);
    }
}

fn apply_identifiers(p: &mut Person, ids: Vec<IdentifierInput>) -> Result<()> {
    for i in ids {
        let number = i.number.trim().to_string();
        if number.is_empty() {
            return Err(CoreError::Model(ModelError::field(
                "identifiers.number",
                "is empty",
            )));
        }
        let kind = i.kind.parse::<IdentifierKind>()?;
        if kind == IdentifierKind::Pesel && !valid_pesel(&number) {
            return Err(CoreError::Model(ModelError::field(
                "identifiers.number",
                "not a valid PESEL (11 digits with a check digit)",
            )));
        }
        let id = i.id.clone().unwrap_or_else(new_id);
        p.identifiers.insert(
            id,
            Identifier {
                kind,
                number,
                issued_by: non_empty(i.issued_by),
                valid_until: at("identifiers.valid_until", opt_date(i.valid_until))?,
            },
        );
    }
    Ok(())
}

/// PESEL check digit (weights 1-3-7-9).
pub fn valid_pesel(s: &str) -> bool {
    let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 11 || s.chars().count() != 11 {
        return false;
    }
    let w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = d.iter().zip(w.iter()).map(|(a, b)| a * b).sum();
    (10 - sum % 10) % 10 == d[10]
}

impl PlaceInput {
    /// Validate into a place: a known city spelling, a guarded centre by its name.
    pub fn into_place(self) -> Result<Place> {
        Ok(match self {
            PlaceInput::Point { city } => {
                if city.trim().is_empty() {
                    return Err(CoreError::Model(ModelError::field(
                        "place.city",
                        "is empty",
                    )));
                }
                Place {
                    kind: PlaceKind::Point,
                    city: Some(reference::city(&city)),
                    centre: None,
                }
            }
            PlaceInput::Centre { centre } => Place {
                kind: PlaceKind::Centre,
                city: None,
                centre: Some(
                    reference::guarded_centre(&centre)
                        .ok_or_else(|| {
                            CoreError::Model(ModelError::field(
                                "place.centre",
                                format!(
                                    "'{centre}' is not a known guarded centre ({})",
                                    reference::GUARDED_CENTRES.join(", ")
                                ),
                            ))
                        })?
                        .to_string(),
                ),
            },
            PlaceInput::Remote => Place {
                kind: PlaceKind::Remote,
                city: None,
                centre: None,
            },
        })
    }
}

impl ConsultationInput {
    /// Validate into a consultation given by `default_org`.
    pub fn into_consultation(self, default_org: &str) -> Result<Consultation> {
        let place = self.place.into_place()?;
        if self.services.is_empty() {
            return Err(CoreError::Model(ModelError::field(
                "services",
                "name at least one service",
            )));
        }
        let mut services: Vec<Service> = Vec::new();
        for s in &self.services {
            let s = s.parse::<Service>()?;
            if !services.contains(&s) {
                services.push(s);
            }
        }
        let language = match non_empty(self.language) {
            Some(l) => Some(reference::language_code(&l).ok_or_else(|| {
                CoreError::Model(ModelError::field(
                    "language",
                    format!(
                        "'{l}' is not an ISO 639-1 language code (or prs for Dari, ckb, kmr, rom)"
                    ),
                ))
            })?),
            None => None,
        };
        if let Some(d) = self.duration_minutes {
            if d == 0 || d > 24 * 60 {
                return Err(CoreError::Model(ModelError::field(
                    "duration_minutes",
                    format!("{d} is not a plausible duration"),
                )));
            }
        }
        Ok(Consultation {
            date: input_date(&self.date)?,
            place,
            services,
            organisation: non_empty(self.organisation).unwrap_or_else(|| default_org.to_string()),
            language,
            interpreter: self.interpreter,
            duration_minutes: self.duration_minutes,
            staff: non_empty(self.staff),
            matter_id: non_empty(self.matter_id),
            note: self.note,
            project: match non_empty(self.project) {
                Some(p) => Some(project_code(&p).ok_or_else(|| {
                    CoreError::Model(ModelError::field(
                        "project",
                        format!("'{p}' is not a project code"),
                    ))
                })?),
                None => None,
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Views

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientView {
    pub id: String,
    pub organisation: String,
    pub created_at: String,
    pub updated_at: String,
    pub display_name: String,
    pub person: PersonView,
    /// The residence or protection status in force today.
    pub current_status: Option<String>,
    /// Every track's status in force today (residence, detention, return, Dublin).
    pub statuses_in_force: Vec<String>,
    pub legal_status: Vec<LegalStatusView>,
    /// The file's vulnerability flags, and the sensitive ones (health, torture, sexual
    /// orientation: kept in the medical section) when this laptop's role reads them.
    pub vulnerabilities: Vec<String>,
    /// Whether this laptop's role sees and records sensitive flags.
    pub sensitive_visible: bool,
    pub consents: Vec<ConsentView>,
    /// The legal bases of processing, and whether each is in force today.
    pub processing: Vec<crate::processing::ProcessingView>,
    pub matters: Vec<MatterView>,
    pub consultations: Vec<ConsultationView>,
    pub deadlines: Vec<DeadlineView>,
    pub summary: String,
    pub attachments: Vec<crate::attachments::AttachmentView>,
    /// Restricted sections: that they exist, and whether this laptop's role may open them.
    pub sections: Vec<crate::sections::SectionRefView>,
    /// Referrals made from this file to other organisations.
    pub referrals: Vec<crate::referrals::ReferralRefView>,
    /// Set when the id asked for was merged into this file: the id asked for.
    pub redirected_from: Option<String>,
    /// Fields two people set at the same time on different laptops: every value kept, the
    /// shown one first. Settle with `punkt client resolve`.
    pub conflicts: Vec<crate::conflicts::FieldConflict>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonView {
    pub given_names: String,
    pub family_name: String,
    pub given_names_original: Option<String>,
    pub family_name_original: Option<String>,
    pub birth_date: Option<String>,
    pub birth_date_approximate: bool,
    pub sex: String,
    pub citizenships: Vec<String>,
    pub stateless: bool,
    pub languages: Vec<String>,
    pub interpreter_needed: bool,
    pub contact: BTreeMap<String, String>,
    pub identifiers: Vec<IdentifierView>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdentifierView {
    pub id: String,
    pub kind: String,
    pub number: String,
    pub issued_by: Option<String>,
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LegalStatusView {
    pub id: String,
    pub status: String,
    /// `residence`, `detention`, `return` or `dublin`: tracks run side by side.
    pub track: String,
    pub from: Option<String>,
    pub until: Option<String>,
    pub centre: Option<String>,
    pub purpose: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsentView {
    pub id: String,
    pub clause: String,
    pub language: String,
    pub given_on: String,
    pub recorded_by: Option<String>,
    pub legal_basis: Option<String>,
    pub withdrawn_on: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MatterView {
    pub id: String,
    pub kind: String,
    pub authority: Option<String>,
    pub reference: Option<String>,
    pub status: String,
    pub opened: Option<String>,
    pub closed: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsultationView {
    pub id: String,
    pub date: String,
    pub place: PlaceInput,
    pub services: Vec<String>,
    pub organisation: String,
    pub language: Option<String>,
    pub interpreter: bool,
    pub duration_minutes: Option<u64>,
    pub staff: Option<String>,
    pub matter_id: Option<String>,
    pub note: String,
    pub project: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeadlineView {
    pub id: String,
    pub rule: String,
    pub from: String,
    pub due: String,
    pub uncertain: bool,
    /// For limits in hours: the hour it ends.
    pub due_time: Option<String>,
    /// When the start is known only within a range: the deadline from its latest day.
    pub due_latest: Option<String>,
    /// The rule book it was counted with.
    pub rules_version: Option<String>,
    pub done: bool,
    pub matter_id: Option<String>,
    pub note: Option<String>,
}

fn s<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(|x| x.to_string())
}

pub(crate) fn place_view(p: &Place) -> PlaceInput {
    match p.kind {
        PlaceKind::Point => PlaceInput::Point {
            city: p.city.clone().unwrap_or_default(),
        },
        PlaceKind::Centre => PlaceInput::Centre {
            centre: p.centre.clone().unwrap_or_default(),
        },
        PlaceKind::Remote => PlaceInput::Remote,
    }
}

pub(crate) fn deadline_view(id: &str, d: &Deadline) -> DeadlineView {
    DeadlineView {
        id: id.to_string(),
        rule: d.rule.clone(),
        from: d.from.to_string(),
        due: d.due.to_string(),
        uncertain: d.uncertain,
        due_time: d.due_time.clone(),
        due_latest: s(&d.due_latest),
        rules_version: d.rules_version.clone(),
        done: d.done,
        matter_id: d.matter_id.clone(),
        note: d.note.clone(),
    }
}

impl ClientView {
    pub fn from_file(f: &ClientFile, today: chrono::NaiveDate) -> Self {
        let p = &f.person;
        let mut contact = BTreeMap::new();
        for (k, v) in [
            ("phone", &p.contact.phone),
            ("email", &p.contact.email),
            ("address", &p.contact.address),
            ("note", &p.contact.note),
        ] {
            if let Some(v) = v {
                contact.insert(k.to_string(), v.clone());
            }
        }
        let mut legal_status: Vec<LegalStatusView> = f
            .legal_status
            .iter()
            .map(|(id, e)| LegalStatusView {
                id: id.clone(),
                status: e.status.to_string(),
                track: e.status.track().to_string(),
                from: s(&e.from),
                until: s(&e.until),
                centre: e.centre.clone(),
                purpose: e.purpose.map(|p| p.to_string()),
                note: e.note.clone(),
            })
            .collect();
        legal_status.sort_by(|a, b| a.from.cmp(&b.from).then(a.id.cmp(&b.id)));
        let mut consultations: Vec<ConsultationView> = f
            .consultations
            .iter()
            .map(|(id, c)| ConsultationView {
                id: id.clone(),
                date: c.date.to_string(),
                place: place_view(&c.place),
                services: c.services.iter().map(|s| s.to_string()).collect(),
                organisation: c.organisation.clone(),
                language: c.language.clone(),
                interpreter: c.interpreter,
                duration_minutes: c.duration_minutes,
                staff: c.staff.clone(),
                matter_id: c.matter_id.clone(),
                note: c.note.clone(),
                project: c.project.clone(),
            })
            .collect();
        consultations.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        let mut deadlines: Vec<DeadlineView> = f
            .deadlines
            .iter()
            .map(|(id, d)| deadline_view(id, d))
            .collect();
        deadlines.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
        ClientView {
            id: f.id.clone(),
            organisation: f.organisation.clone(),
            created_at: f.created_at.clone(),
            updated_at: f.updated_at.clone(),
            display_name: f.display_name(),
            person: PersonView {
                given_names: p.given_names.clone(),
                family_name: p.family_name.clone(),
                given_names_original: p.given_names_original.clone(),
                family_name_original: p.family_name_original.clone(),
                birth_date: s(&p.birth_date),
                birth_date_approximate: p.birth_date_approximate,
                sex: p.sex.to_string(),
                citizenships: p.citizenships.clone(),
                stateless: p.stateless,
                languages: p.languages.clone(),
                interpreter_needed: p.interpreter_needed,
                contact,
                identifiers: p
                    .identifiers
                    .iter()
                    .map(|(id, i)| IdentifierView {
                        id: id.clone(),
                        kind: i.kind.to_string(),
                        number: i.number.clone(),
                        issued_by: i.issued_by.clone(),
                        valid_until: s(&i.valid_until),
                    })
                    .collect(),
            },
            current_status: f.status_on(today).map(|s| s.to_string()),
            statuses_in_force: f.statuses_on(today).iter().map(|s| s.to_string()).collect(),
            legal_status,
            vulnerabilities: f.vulnerabilities.keys().cloned().collect(),
            sensitive_visible: false,
            processing: crate::processing::views(f, IsoDate(today)),
            consents: f
                .consents
                .iter()
                .map(|(id, c)| ConsentView {
                    id: id.clone(),
                    clause: c.clause.clone(),
                    language: c.language.clone(),
                    given_on: c.given_on.to_string(),
                    recorded_by: c.recorded_by.clone(),
                    legal_basis: c.legal_basis.clone(),
                    withdrawn_on: s(&c.withdrawn_on),
                })
                .collect(),
            matters: f
                .matters
                .iter()
                .map(|(id, m)| MatterView {
                    id: id.clone(),
                    kind: m.kind.to_string(),
                    authority: m.authority.clone(),
                    reference: m.reference.clone(),
                    status: m.status.to_string(),
                    opened: s(&m.opened),
                    closed: s(&m.closed),
                    note: m.note.clone(),
                })
                .collect(),
            consultations,
            deadlines,
            summary: f.summary.as_str().to_string(),
            redirected_from: None,
            sections: f
                .sections
                .iter()
                .map(|(id, r)| crate::sections::SectionRefView::of(id, r, None))
                .collect(),
            referrals: f
                .referrals
                .iter()
                .map(|(id, r)| crate::referrals::ReferralRefView::of(id, r))
                .collect(),
            attachments: f
                .attachments
                .iter()
                .map(|(id, a)| crate::attachments::attachment_view(id, a))
                .collect(),
            conflicts: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_out_of_error_messages() {
        let e = ClientInput::from_json(r#"{"given_names": ["+48 600 100 200"]}"#)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("600"), "{e}");
        assert!(
            e.contains("given_names") || e.contains("invalid type"),
            "{e}"
        );
        let mut f = ClientFile::default();
        let e = ClientInput::from_json(
            r#"{"family_name":"A","identifiers":[{"kind":"pesel","number":"44051401358"}]}"#,
        )
        .unwrap()
        .apply(&mut f, true, IsoDate::new(2026, 1, 1).unwrap())
        .unwrap_err()
        .to_string();
        assert!(!e.contains("44051401358"), "{e}");
        assert!(e.contains("PESEL"), "{e}");
    }

    #[test]
    fn pesel_check_digit() {
        assert!(valid_pesel("44051401359"));
        assert!(!valid_pesel("44051401358"));
        assert!(!valid_pesel("4405140135"));
    }

    #[test]
    fn original_names_are_split_by_the_latin_family_name() {
        assert_eq!(
            split_original("Тарас Шевченко", "Shevchenko"),
            (Some("Тарас".into()), Some("Шевченко".into()))
        );
        assert_eq!(
            split_original("Шевченко Тарас Григорович", "Shevchenko"),
            (Some("Тарас Григорович".into()), Some("Шевченко".into()))
        );
        assert_eq!(
            split_original("Шевченко", "X"),
            (None, Some("Шевченко".into()))
        );
    }

    #[test]
    fn unknown_keys_and_places_are_refused() {
        assert!(ClientInput::from_json(r#"{"givn_names":"A"}"#).is_err());
        let c = ConsultationInput::from_json(
            r#"{"date":"2025-01-02","place":{"kind":"centre","centre":"Gdańsk"},"services":["legal"]}"#,
        )
        .unwrap();
        let e = c.into_consultation("Org").unwrap_err().to_string();
        assert!(e.contains("not a known guarded centre"), "{e}");
    }
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
