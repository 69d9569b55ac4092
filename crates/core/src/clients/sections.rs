//! Restricted sections (issue 5): psychological and medical notes in documents of their own
//! (`section:<name>`), which the server sends only to the roles allowed
//! (`punkt_sync::access`). The client file lists that a section exists, so everyone sees that
//! there are notes without seeing them; this laptop refuses to show or write a section its
//! person's role may not read.
//!
//! The role is the one the server gave at enrolment; a laptop used without a server has a
//! role set on it (`set_local_role`), which matters only for what it shows: such a laptop
//! holds only what its own person wrote.

use serde::{Deserialize, Serialize};

use punkt_model::client::{ClientFile, SectionRef, VulnerabilityRecord};
use punkt_model::shared::{read_shared, SectionFile, SectionNote, SECTION_KIND};
use punkt_model::vocab::Vulnerability;
use punkt_model::{new_id, IsoDate};
use punkt_store::index::IndexRows;
use punkt_sync::access;

use crate::error::{CoreError, Result};
use crate::{load_automerge, Punkt};

const META_LOCAL_ROLE: &str = "local_role";

/// A note to add to a section.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct SectionNoteInput {
    /// YYYY-MM-DD; today when absent.
    pub date: Option<String>,
    pub text: String,
}

impl SectionNoteInput {
    pub fn from_json(json: &str) -> Result<Self> {
        crate::input::parse_json(json, "section note JSON")
    }
}

/// A section as its readers see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SectionView {
    pub id: String,
    pub client_id: String,
    pub section: String,
    pub created_at: String,
    /// Oldest first.
    pub notes: Vec<SectionNoteView>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SectionNoteView {
    pub id: String,
    pub date: String,
    pub text: String,
    pub written_at: String,
    pub author: Option<String>,
}

/// That a section exists, for everyone who sees the file.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SectionRefView {
    pub id: String,
    pub section: String,
    pub created_at: String,
    pub created_by: Option<String>,
    /// This laptop's role may read it.
    pub readable: bool,
}

impl SectionRefView {
    pub(crate) fn of(id: &str, r: &SectionRef, role: Option<&str>) -> SectionRefView {
        SectionRefView {
            id: id.to_string(),
            section: r.section.clone(),
            created_at: r.created_at.clone(),
            created_by: r.created_by.clone(),
            readable: role
                .is_some_and(|role| access::role_may_read(&access::section_kind(&r.section), role)),
        }
    }
}

impl Punkt {
    /// The role of the person using this laptop: the server's word once enrolled, else the
    /// one set here; `None` when neither.
    pub fn role(&self) -> Result<Option<String>> {
        if let Some(e) = self.enrolment()? {
            return Ok(Some(e.role));
        }
        Ok(self.store.meta_value(META_LOCAL_ROLE)?)
    }

    /// Set the role of a laptop used without a server (an enrolled laptop's role is the
    /// server's).
    pub fn set_local_role(&mut self, role: &str) -> Result<()> {
        if self.enrolment()?.is_some() {
            return Err(CoreError::Forbidden(
                "this laptop is enrolled: its role is the one the server gave".into(),
            ));
        }
        if !access::ROLES.contains(&role) {
            return Err(CoreError::Invalid(format!(
                "unknown role '{role}': one of {}",
                access::ROLES.join(", ")
            )));
        }
        self.store.set_meta(META_LOCAL_ROLE, role)?;
        Ok(())
    }

    fn require_section_reader(&self, section: &str) -> Result<()> {
        if !access::SECTIONS.iter().any(|(n, _)| *n == section) {
            return Err(CoreError::Invalid(format!(
                "unknown section '{section}': one of {}",
                access::SECTIONS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let role = self.role()?;
        let kind = access::section_kind(section);
        match role {
            Some(r) if access::role_may_read(&kind, &r) => Ok(()),
            Some(r) => Err(CoreError::Forbidden(format!(
                "the {section} section is for {} only, and this laptop's role is {r}",
                access::readers(&kind).unwrap_or(&[]).join(", ")
            ))),
            None => Err(CoreError::Forbidden(format!(
                "the {section} section is for {} only, and this laptop has no role set",
                access::readers(&kind).unwrap_or(&[]).join(", ")
            ))),
        }
    }

    /// Add a note to client `client_id`'s section `section` (made on the first note).
    pub fn add_section_note(
        &mut self,
        client_id: &str,
        section: &str,
        input: SectionNoteInput,
    ) -> Result<SectionView> {
        self.require_section_reader(section)?;
        let text = input.text.trim().to_string();
        if text.is_empty() {
            return Err(CoreError::Invalid("the note is empty".into()));
        }
        let date = match input.date.as_deref() {
            Some(d) => d.parse::<IsoDate>()?,
            None => IsoDate(self.today()),
        };
        let file = self.client(client_id)?;
        if let Some(into) = &file.merged_into {
            return Err(CoreError::Invalid(format!(
                "the file {client_id} was merged into {into}: write there"
            )));
        }
        let now_text = self.now_text();
        let id = self.section_document(&file, section)?;
        let note = SectionNote {
            date,
            text,
            written_at: now_text,
            author: self.author().map(str::to_string),
        };
        let section_file = self.edit_shared(
            &id,
            SECTION_KIND,
            |s: &SectionFile| &s.kind,
            |s| {
                s.notes.insert(new_id(), note);
                Ok(None)
            },
        )?;
        Ok(section_view(&section_file))
    }

    /// The id of `file`'s section `section`, made (and listed in the file) when it has none.
    fn section_document(&mut self, file: &ClientFile, section: &str) -> Result<String> {
        let existing = file
            .sections
            .iter()
            .find(|(_, r)| r.section == section)
            .map(|(id, _)| id.clone());
        match existing {
            Some(id) if self.store.has_document(&id)? => Ok(id),
            Some(id) => Err(CoreError::NotReceived(id)),
            None => {
                // The section first, then its listing in the file (as attachments do).
                let now_text = self.now_text();
                let id = new_id();
                let value = SectionFile::new(
                    id.clone(),
                    file.id.clone(),
                    file.organisation.clone(),
                    section.to_string(),
                    now_text.clone(),
                );
                self.create_document(
                    &id,
                    &access::section_kind(section),
                    &file.organisation,
                    &value,
                )?;
                let reference = SectionRef {
                    section: section.to_string(),
                    created_at: now_text,
                    created_by: self.author().map(str::to_string),
                };
                let key = id.clone();
                self.edit_client(&file.id, move |f, _| {
                    f.sections.insert(key, reference);
                    Ok(())
                })?;
                Ok(id)
            }
        }
    }

    /// Whether this laptop sees and records sensitive vulnerability flags: its role reads the
    /// medical section, or it has no role (a laptop used alone).
    pub fn may_read_sensitive(&self) -> Result<bool> {
        let kind = access::section_kind(access::SENSITIVE_FLAGS_SECTION);
        Ok(self
            .role()?
            .is_none_or(|r| access::role_may_read(&kind, &r)))
    }

    /// Refuse sensitive flags on a laptop whose role does not read them.
    pub(crate) fn require_sensitive_reader(&self, flags: &[Vulnerability]) -> Result<()> {
        if flags.is_empty() || self.may_read_sensitive()? {
            return Ok(());
        }
        let kind = access::section_kind(access::SENSITIVE_FLAGS_SECTION);
        Err(CoreError::Forbidden(format!(
            "{} are recorded only by {}: they are kept in the restricted medical section; nothing was changed",
            flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
            access::readers(&kind).unwrap_or(&[]).join(", ")
        )))
    }

    /// The medical sections `file` lists (after a merge, more than one), each loaded. One not
    /// on this laptop yet is `NotReceived`, or left out when `skip_missing`.
    fn medical_sections(&self, file: &ClientFile, skip_missing: bool) -> Result<Vec<SectionFile>> {
        let mut out = Vec::new();
        for (id, r) in &file.sections {
            if r.section != access::SENSITIVE_FLAGS_SECTION {
                continue;
            }
            let stored = match self.store.load_document(id) {
                Ok(s) => s,
                Err(punkt_store::StoreError::NoDocument(_)) if skip_missing => continue,
                Err(punkt_store::StoreError::NoDocument(_)) => {
                    return Err(CoreError::NotReceived(id.clone()))
                }
                Err(e) => return Err(e.into()),
            };
            let doc = load_automerge(&stored)?;
            out.push(read_shared(&doc, SECTION_KIND, |s: &SectionFile| &s.kind)?);
        }
        Ok(out)
    }

    /// Set client `client_id`'s sensitive flags to `flags` (the whole set): kept in its first
    /// medical section (made when it has none), cleared from any other (a merged file's).
    /// Flags kept keep the day they were recorded. Nothing is written when a section it lists
    /// has not reached this laptop.
    pub(crate) fn set_sensitive_flags(
        &mut self,
        client_id: &str,
        flags: &[Vulnerability],
    ) -> Result<()> {
        if !self.may_read_sensitive()? {
            return self.require_sensitive_reader(flags);
        }
        let file = self.client(client_id)?;
        let sections = self.medical_sections(&file, false)?;
        // Already so: the first section holds exactly these, the others none.
        let wanted: std::collections::BTreeSet<&str> = flags.iter().map(|f| f.as_str()).collect();
        let holds = |s: &SectionFile| {
            s.flags
                .keys()
                .map(String::as_str)
                .eq(wanted.iter().copied())
        };
        let (first, others) = match sections.split_first() {
            Some((first, others)) => (holds(first), others),
            None => (flags.is_empty(), &[][..]),
        };
        if first && others.iter().all(|s| s.flags.is_empty()) {
            return Ok(());
        }
        // The day each kept flag was first recorded, whichever section held it.
        let recorded: std::collections::BTreeMap<String, Option<IsoDate>> = sections
            .iter()
            .flat_map(|s| s.flags.iter().map(|(k, v)| (k.clone(), v.recorded_on)))
            .collect();
        let id = match sections.first() {
            Some(s) => s.id.clone(),
            None if flags.is_empty() => return Ok(()),
            None => self.section_document(&file, access::SENSITIVE_FLAGS_SECTION)?,
        };
        let today = IsoDate(self.today());
        let flags = flags.to_vec();
        self.edit_shared(
            &id,
            SECTION_KIND,
            |s: &SectionFile| &s.kind,
            move |s| {
                s.flags
                    .retain(|code, _| flags.iter().any(|f| f.as_str() == code));
                for flag in flags {
                    s.flags
                        .entry(flag.as_str().to_string())
                        .or_insert(VulnerabilityRecord {
                            flag,
                            recorded_on: recorded
                                .get(flag.as_str())
                                .copied()
                                .flatten()
                                .or(Some(today)),
                            note: None,
                        });
                }
                Ok(Some(sensitive_index(s)))
            },
        )?;
        for other in sections.iter().skip(1).filter(|s| !s.flags.is_empty()) {
            self.edit_shared(
                &other.id,
                SECTION_KIND,
                |s: &SectionFile| &s.kind,
                |s| {
                    s.flags.clear();
                    Ok(Some(sensitive_index(s)))
                },
            )?;
        }
        Ok(())
    }

    /// The sensitive flags of `file` this laptop holds (none when its role does not read the
    /// medical section; those of the sections received when it does), sorted.
    pub(crate) fn sensitive_flags_of(&self, file: &ClientFile) -> Result<Vec<String>> {
        if !self.may_read_sensitive()? {
            return Ok(Vec::new());
        }
        let mut out: Vec<String> = self
            .medical_sections(file, true)?
            .into_iter()
            .flat_map(|s| s.flags.into_keys())
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Move sensitive flags still in client files (recorded before they went to the medical
    /// section) into the section, at most `limit` files, on a laptop whose role reads it; run
    /// after each sync, so the sections other laptops made are here first. A file that cannot
    /// be moved now (its section not received yet) is left for the next time. Returns how many
    /// were moved and how many are left.
    pub fn move_sensitive_flags(&mut self, limit: usize) -> Result<(usize, usize)> {
        if !self.may_read_sensitive()? {
            return Ok((0, 0));
        }
        let sensitive: Vec<&str> = Vulnerability::ALL
            .iter()
            .filter(|v| v.is_sensitive())
            .map(|v| v.as_str())
            .collect();
        let ids = self.store.clients_with_flags(&sensitive)?;
        let mut moved = 0;
        for id in ids.iter().take(limit) {
            if self.move_one(id).is_ok() {
                moved += 1;
            }
        }
        Ok((moved, ids.len() - moved))
    }

    fn move_one(&mut self, id: &str) -> Result<()> {
        let file = self.client(id)?;
        let mut flags: Vec<Vulnerability> = Vec::new();
        for code in self.sensitive_flags_of(&file)? {
            flags.extend(code.parse::<Vulnerability>().ok());
        }
        flags.extend(
            file.vulnerabilities
                .values()
                .map(|v| v.flag)
                .filter(|f| f.is_sensitive()),
        );
        flags.sort();
        flags.dedup();
        self.set_sensitive_flags(id, &flags)?;
        self.edit_client(id, |f, _| {
            f.vulnerabilities.retain(|_, v| !v.flag.is_sensitive());
            Ok(())
        })?;
        Ok(())
    }

    /// Read a section of client `client_id`, if this laptop's role may.
    pub fn section(&self, client_id: &str, section_id: &str) -> Result<SectionView> {
        let file = self.client(client_id)?;
        let reference = file
            .sections
            .get(section_id)
            .ok_or_else(|| CoreError::Invalid(format!("no section {section_id} in this file")))?;
        self.require_section_reader(&reference.section)?;
        let stored = match self.store.load_document(section_id) {
            Ok(s) => s,
            Err(punkt_store::StoreError::NoDocument(_)) => {
                return Err(CoreError::NotReceived(section_id.to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        let doc = load_automerge(&stored)?;
        let value: SectionFile = read_shared(&doc, SECTION_KIND, |s: &SectionFile| &s.kind)?;
        Ok(section_view(&value))
    }
}

fn section_view(s: &SectionFile) -> SectionView {
    let note = |id: &str, n: &SectionNote| SectionNoteView {
        id: id.to_string(),
        date: n.date.to_string(),
        text: n.text.clone(),
        written_at: n.written_at.clone(),
        author: n.author.clone(),
    };
    let notes = crate::dto::listed(&s.notes, note, |n| {
        (n.date.to_string(), n.written_at.clone())
    });
    SectionView {
        id: s.id.clone(),
        client_id: s.client_id.clone(),
        section: s.section.clone(),
        created_at: s.created_at.clone(),
        notes,
    }
}

/// The index rows of a section document: its sensitive flags (none for a section that holds
/// none, such as the psychological one).
pub(crate) fn sensitive_index(s: &SectionFile) -> IndexRows {
    IndexRows::SensitiveFlags {
        section_id: s.id.clone(),
        client_id: s.client_id.clone(),
        flags: s
            .flags
            .values()
            .map(|v| (v.flag.to_string(), v.recorded_on.map(|d| d.to_string())))
            .collect(),
    }
}

/// The index rows of a medical section's document (sync and rebuild).
pub(crate) fn section_index(doc: &automerge::AutoCommit, id: &str) -> Result<IndexRows> {
    let s: SectionFile =
        read_shared(doc, SECTION_KIND, |s: &SectionFile| &s.kind).map_err(|e| {
            CoreError::Document {
                id: id.to_string(),
                reason: e.to_string(),
            }
        })?;
    Ok(sensitive_index(&s))
}
