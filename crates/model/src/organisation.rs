//! An organisation's settings, shared by every laptop of the organisation: one Automerge
//! document per organisation (kind [`ORG_SETTINGS_KIND`], id [`org_settings_id`]), which only
//! coordinators write (`punkt_sync::access::role_may_write`; the server enforces it).
//!
//! Its id is derived from the organisation, so two coordinators who both make it offline make
//! the same document and their edits merge. Its collections are maps keyed by a code, so two
//! projects added at once are two entries.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};

use crate::date::IsoDate;

fn none<T>() -> Option<T> {
    None
}

/// The store's and the root's document kind (`punkt_sync::access::ORG_SETTINGS_KIND`, which
/// the server decides by).
pub const ORG_SETTINGS_KIND: &str = "org_settings";
/// The schema version this build writes.
pub const ORG_SETTINGS_SCHEMA_VERSION: u64 = 1;

/// The id of organisation `org`'s settings document (as `punkt_sync::access::org_settings_id`,
/// which the server checks; a test keeps them equal).
pub fn org_settings_id(org: &str) -> String {
    format!("org-settings-{org}")
}

/// Longest project code: short enough to type on a form and read in a report's column.
pub const MAX_PROJECT_CODE: usize = 32;

#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct OrgSettings {
    pub kind: String,
    pub schema_version: u64,
    pub organisation: String,
    /// Projects (and the donor funding each), keyed by their code. Consultations and group
    /// activities are tagged with a code, and a donor report is made for one.
    #[autosurgeon(missing = "Default::default")]
    pub projects: BTreeMap<String, Project>,
    /// Who the controller is (GDPR Art. 30(1)(a), 13(1)(a)-(b)): what the record of processing
    /// and the information given to people say.
    #[autosurgeon(missing = "Default::default")]
    pub controller: Controller,
    /// The retention rule (GDPR Art. 5(1)(e)): files closed for `closed_years` are erased or
    /// anonymised. Shared, so every laptop's Art. 15 and Art. 30 documents state it.
    #[autosurgeon(missing = "none")]
    pub retention: Option<Retention>,
    #[autosurgeon(missing = "Default::default")]
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Retention {
    pub closed_years: u64,
    /// `erase` or `anonymise`.
    pub action: String,
}

/// The controller's identity and contacts. Each field is a plain value (not a nested map), so
/// two coordinators editing different fields at once both keep their edit.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Controller {
    /// The full legal name ("Fundacja ... w Lublinie"); the organisation's name when empty.
    #[autosurgeon(missing = "Default::default")]
    pub legal_name: String,
    #[autosurgeon(missing = "none")]
    pub address: Option<String>,
    /// E-mail and telephone for data protection matters.
    #[autosurgeon(missing = "none")]
    pub contact: Option<String>,
    /// Court register (KRS) number.
    #[autosurgeon(missing = "none")]
    pub registry: Option<String>,
    /// The data protection officer's name and contact, when one is designated.
    #[autosurgeon(missing = "none")]
    pub dpo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Project {
    pub name: String,
    /// The donor or funding source ("UNHCR", "AMIF", "a private foundation").
    #[autosurgeon(missing = "none")]
    pub funder: Option<String>,
    #[autosurgeon(missing = "none")]
    pub from: Option<IsoDate>,
    #[autosurgeon(missing = "none")]
    pub until: Option<IsoDate>,
    /// Ended and no longer offered on forms; its code stays on what it tagged.
    #[autosurgeon(missing = "Default::default")]
    pub archived: bool,
}

impl OrgSettings {
    pub fn new(organisation: &str, now: String) -> Self {
        OrgSettings {
            kind: ORG_SETTINGS_KIND.to_string(),
            schema_version: ORG_SETTINGS_SCHEMA_VERSION,
            organisation: organisation.to_string(),
            projects: BTreeMap::new(),
            controller: Controller::default(),
            retention: None,
            updated_at: now,
        }
    }
}

/// `Some(code)` when `code` is a project code: 1 to [`MAX_PROJECT_CODE`] letters, digits, `-`,
/// `_` or `.`, kept as typed except for surrounding spaces (codes are what donors' contracts say,
/// "AMIF-2026-PL").
pub fn project_code(code: &str) -> Option<String> {
    let c = code.trim();
    (!c.is_empty()
        && c.len() <= MAX_PROJECT_CODE
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch)))
    .then(|| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_codes() {
        assert_eq!(
            project_code(" AMIF-2026-PL ").as_deref(),
            Some("AMIF-2026-PL")
        );
        assert_eq!(project_code("unhcr_1.2").as_deref(), Some("unhcr_1.2"));
        assert_eq!(project_code(""), None);
        assert_eq!(project_code("two words"), None);
        assert_eq!(project_code("=cmd()"), None);
        assert_eq!(project_code(&"x".repeat(33)), None);
    }
}
