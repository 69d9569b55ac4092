//! An input checked and applied to a client file: names in both scripts, dates, vocabulary
//! codes, identifiers (a PESEL checked), legal status, consents, matters, and a consultation's
//! place. Every refusal names its field.

use super::*;

/// What a citizenship must be.
const COUNTRY: &str = "an ISO 3166 alpha-2 country code";
/// What a language must be.
const LANGUAGE: &str = "an ISO 639-1 language code (or prs, ckb, kmr, rom)";

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
        // What the input leaves out stays as it is.
        let keep = |flag: &mut bool, given: Option<bool>| *flag = given.unwrap_or(*flag);
        keep(&mut p.birth_date_approximate, self.birth_date_approximate);
        keep(&mut p.stateless, self.stateless);
        keep(&mut p.interpreter_needed, self.interpreter_needed);
        if let Some(s) = self.sex {
            p.sex = s.parse::<Sex>()?;
        }
        if let Some(c) = self.citizenships {
            p.citizenships = codes(c, "citizenships", reference::country_code, COUNTRY)?;
        }
        if let Some(l) = self.languages {
            p.languages = codes(l, "languages", reference::language_code, LANGUAGE)?;
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
                not_before("legal_status.until", from.as_ref(), until.as_ref())?;
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
                    Some(&given_on),
                    withdrawn_on.as_ref(),
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
                not_before("matters.closed", opened.as_ref(), closed.as_ref())?;
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

pub(super) fn apply_contact(c: &mut Contact, input: ContactInput) {
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

pub(super) fn apply_identifiers(p: &mut Person, ids: Vec<IdentifierInput>) -> Result<()> {
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
