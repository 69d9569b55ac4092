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

use punkt_model::shared::{read_shared, SectionFile, SectionNote, SECTION_KIND};
use punkt_model::{client::SectionRef, new_id, IsoDate};
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
        crate::dto::parse_json(json, "section note JSON")
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
        let kind = access::section_kind(section);
        let now_text = self.now_text();
        let existing = file
            .sections
            .iter()
            .find(|(_, r)| r.section == section)
            .map(|(id, _)| id.clone());
        let id = match existing {
            Some(id) if self.store.has_document(&id)? => id,
            Some(id) => return Err(CoreError::NotReceived(id)),
            None => {
                // The section first, then its listing in the file (as attachments do).
                let id = new_id();
                let value = SectionFile::new(
                    id.clone(),
                    client_id.to_string(),
                    file.organisation.clone(),
                    section.to_string(),
                    now_text.clone(),
                );
                self.create_document(&id, &kind, &file.organisation, &value)?;
                let reference = SectionRef {
                    section: section.to_string(),
                    created_at: now_text.clone(),
                    created_by: self.author().map(str::to_string),
                };
                let key = id.clone();
                self.edit_client(client_id, move |f, _| {
                    f.sections.insert(key, reference);
                    Ok(())
                })?;
                id
            }
        };
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
    let mut notes: Vec<SectionNoteView> = s
        .notes
        .iter()
        .map(|(id, n)| SectionNoteView {
            id: id.clone(),
            date: n.date.to_string(),
            text: n.text.clone(),
            written_at: n.written_at.clone(),
            author: n.author.clone(),
        })
        .collect();
    notes.sort_by(|a, b| (&a.date, &a.written_at, &a.id).cmp(&(&b.date, &b.written_at, &b.id)));
    SectionView {
        id: s.id.clone(),
        client_id: s.client_id.clone(),
        section: s.section.clone(),
        created_at: s.created_at.clone(),
        notes,
    }
}
