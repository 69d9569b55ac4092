//! The organisation's settings as laptops use them: its projects (what consultations and group
//! activities are tagged with, and donor reports are made for). One shared document per
//! organisation (`punkt_model::organisation`); only a coordinator (or a laptop used alone)
//! changes it, and the server refuses anyone else's changes too.

use serde::{Deserialize, Serialize};

use punkt_model::organisation::{
    org_settings_id, project_code, Controller, OrgSettings, Project, ORG_SETTINGS_KIND,
};
use punkt_model::{IsoDate, ModelError};
use punkt_sync::access;

use crate::error::{CoreError, Result};
use crate::Punkt;

/// Longest project name, funder and controller field.
const MAX_TEXT: usize = 400;

/// A project as a coordinator enters it.
#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub funder: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub archived: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProjectView {
    pub code: String,
    pub name: String,
    pub funder: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub archived: bool,
    /// Consultations and group activities tagged with it, on this laptop.
    pub used: u64,
}

/// The controller's identity and contacts as a coordinator enters them (the whole set).
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ControllerInput {
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub registry: Option<String>,
    #[serde(default)]
    pub dpo: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrgSettingsView {
    pub organisation: String,
    pub projects: Vec<ProjectView>,
    pub controller: ControllerInput,
    /// Whether this laptop may change them (a coordinator's, or one used alone).
    pub editable: bool,
}

fn text(field: &str, value: &str, required: bool) -> Result<Option<String>> {
    let v = value.trim();
    if v.is_empty() {
        return if required {
            Err(ModelError::field(field, "is empty").into())
        } else {
            Ok(None)
        };
    }
    if v.chars().count() > MAX_TEXT {
        return Err(
            ModelError::field(field, format!("is longer than {MAX_TEXT} characters")).into(),
        );
    }
    Ok(Some(v.to_string()))
}

fn date(field: &str, value: Option<&str>) -> Result<Option<IsoDate>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse::<IsoDate>().map(Some).map_err(|_| {
            ModelError::field(field, format!("'{v}' is not a date (YYYY-MM-DD)")).into()
        }),
    }
}

impl ProjectInput {
    fn into_project(self) -> Result<(String, Project)> {
        let code = project_code(&self.code).ok_or_else(|| {
            ModelError::field(
                "project.code",
                "use 1 to 32 letters, digits, '-', '_' or '.' (as in the donor's contract)",
            )
        })?;
        let from = date("project.from", self.from.as_deref())?;
        let until = date("project.until", self.until.as_deref())?;
        if let (Some(f), Some(u)) = (from, until) {
            if u < f {
                return Err(ModelError::field(
                    "project.until",
                    format!("ends ({u}) before it starts ({f})"),
                )
                .into());
            }
        }
        Ok((
            code,
            Project {
                name: text("project.name", &self.name, true)?.unwrap_or_default(),
                funder: text(
                    "project.funder",
                    self.funder.as_deref().unwrap_or(""),
                    false,
                )?,
                from,
                until,
                archived: self.archived,
            },
        ))
    }
}

impl Punkt {
    /// The settings document this laptop holds, checked to be what it claims: of kind
    /// `org_settings` and owned by this organisation (a document of another kind or owner
    /// under the id is refused, never read as settings).
    fn settings_document(&self) -> Result<Option<punkt_store::documents::StoredDocument>> {
        let org = self.organisation();
        let id = org_settings_id(org);
        match self.store.load_document(&id) {
            Ok(stored) if stored.kind == ORG_SETTINGS_KIND && stored.owner_org == org => {
                Ok(Some(stored))
            }
            Ok(stored) => Err(CoreError::Document {
                id,
                reason: format!(
                    "a document of kind {} owned by {} holds the settings' id: it is not read",
                    stored.kind, stored.owner_org
                ),
            }),
            Err(punkt_store::StoreError::NoDocument(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The organisation's settings as this laptop holds them (empty before anyone set any).
    pub fn org_settings(&self) -> Result<OrgSettings> {
        match self.settings_document()? {
            Some(stored) => {
                let doc = crate::load_automerge(&stored)?;
                Ok(punkt_model::shared::read_shared(
                    &doc,
                    ORG_SETTINGS_KIND,
                    |s: &OrgSettings| &s.kind,
                )?)
            }
            None => Ok(OrgSettings::new(self.organisation(), String::new())),
        }
    }

    /// The settings as the Team screen shows them, each project with how often it was used.
    pub fn org_settings_view(&self) -> Result<OrgSettingsView> {
        let settings = self.org_settings()?;
        let used: std::collections::HashMap<String, u64> =
            self.store.projects_used()?.into_iter().collect();
        Ok(OrgSettingsView {
            organisation: settings.organisation.clone(),
            projects: settings
                .projects
                .iter()
                .map(|(code, p)| ProjectView {
                    code: code.clone(),
                    name: p.name.clone(),
                    funder: p.funder.clone(),
                    from: p.from.map(|d| d.to_string()),
                    until: p.until.map(|d| d.to_string()),
                    archived: p.archived,
                    used: used.get(code).copied().unwrap_or(0),
                })
                .collect(),
            controller: ControllerInput {
                legal_name: settings.controller.legal_name.clone(),
                address: settings.controller.address.clone(),
                contact: settings.controller.contact.clone(),
                registry: settings.controller.registry.clone(),
                dpo: settings.controller.dpo.clone(),
            },
            editable: self.may_change_settings()?,
        })
    }

    /// Set the controller's identity and contacts (a coordinator, or a laptop used alone).
    pub fn put_controller(&mut self, input: ControllerInput) -> Result<OrgSettingsView> {
        let controller = Controller {
            legal_name: text("controller.legal_name", &input.legal_name, false)?
                .unwrap_or_default(),
            address: text(
                "controller.address",
                input.address.as_deref().unwrap_or(""),
                false,
            )?,
            contact: text(
                "controller.contact",
                input.contact.as_deref().unwrap_or(""),
                false,
            )?,
            registry: text(
                "controller.registry",
                input.registry.as_deref().unwrap_or(""),
                false,
            )?,
            dpo: text("controller.dpo", input.dpo.as_deref().unwrap_or(""), false)?,
        };
        self.change_settings(|s| s.controller = controller)
    }

    /// A coordinator's laptop, or one with no role (used alone): the organisation's decisions.
    pub(crate) fn may_change_settings(&self) -> Result<bool> {
        Ok(matches!(
            self.role()?.as_deref(),
            None | Some(access::COORDINATOR)
        ))
    }

    /// Add a project, or change the one with its code (archive it when it has ended). Only a
    /// coordinator, or a laptop used alone.
    pub fn put_project(&mut self, input: ProjectInput) -> Result<OrgSettingsView> {
        let (code, project) = input.into_project()?;
        self.change_settings(|s| {
            s.projects.insert(code, project);
        })
    }

    /// Change the settings document (made on first use), a coordinator's or a laptop's used
    /// alone.
    pub(crate) fn change_settings(
        &mut self,
        change: impl FnOnce(&mut OrgSettings),
    ) -> Result<OrgSettingsView> {
        if !self.may_change_settings()? {
            return Err(CoreError::Forbidden(
                "only a coordinator changes the organisation's settings; nothing was changed"
                    .into(),
            ));
        }
        let org = self.organisation().to_string();
        let id = org_settings_id(&org);
        let now = self.now_text();
        if self.settings_document()?.is_some() {
            self.edit_shared(
                &id,
                ORG_SETTINGS_KIND,
                |s: &OrgSettings| &s.kind,
                |s| {
                    change(s);
                    s.updated_at = now;
                    Ok(None)
                },
            )?;
        } else {
            let mut settings = OrgSettings::new(&org, now);
            change(&mut settings);
            self.create_document(&id, ORG_SETTINGS_KIND, &org, &settings)?;
        }
        self.org_settings_view()
    }

    /// Refuse a project code this organisation has not set up, one archived, or one whose
    /// period does not cover `on` (a donor must not be told of work outside their project).
    pub(crate) fn check_project(&self, code: &str, on: IsoDate) -> Result<()> {
        let settings = self.org_settings()?;
        let Some(p) = settings.projects.get(code) else {
            let known: Vec<&str> = settings
                .projects
                .iter()
                .filter(|(_, p)| !p.archived)
                .map(|(c, _)| c.as_str())
                .collect();
            return Err(ModelError::field(
                "project",
                if known.is_empty() {
                    format!("'{code}' is not a project of this organisation (none is set up yet: a coordinator adds them on the Team screen)")
                } else {
                    format!("'{code}' is not a project of this organisation ({})", known.join(", "))
                },
            )
            .into());
        };
        if p.archived {
            return Err(
                ModelError::field("project", format!("project '{code}' is archived")).into(),
            );
        }
        if p.from.is_some_and(|f| on < f) || p.until.is_some_and(|u| on > u) {
            return Err(ModelError::field(
                "project",
                format!(
                    "project '{code}' runs {} – {}, not on {on}",
                    p.from.map(|d| d.to_string()).unwrap_or_default(),
                    p.until.map(|d| d.to_string()).unwrap_or_default()
                ),
            )
            .into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_server_and_the_laptop_name_the_settings_alike() {
        for org in ["Fundacja A", "x"] {
            assert_eq!(
                punkt_model::organisation::org_settings_id(org),
                punkt_sync::access::org_settings_id(org)
            );
        }
    }
}
