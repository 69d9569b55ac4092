//! Referrals between member organisations (issue 5): a referral is a document of its own
//! (`referral`), owned by the referring organisation and opened by the server to the receiving
//! one, holding only what the person agreed to share — never the client file. The person's
//! recorded consent is required. The receiving organisation accepts or declines, and closes it
//! with a report back; the referring organisation may withdraw it while it is open.
//!
//! Listing reads the referral documents themselves: there are few (a person is referred a
//! handful of times), unlike client files, whose lists come from the index.

use serde::{Deserialize, Serialize};

use punkt_model::client::ReferralRef;
use punkt_model::new_id;
use punkt_model::shared::{
    read_shared, ReferralConsent, ReferralEvent, ReferralFile, ReferralStatus, SharedPerson,
    REFERRAL_KIND, SHARED_SCHEMA_VERSION,
};
use punkt_model::vocab::Service;
use punkt_sync::access;
use punkt_sync::wire::directory_tag;
use punkt_sync::{Request, Response};

use crate::error::{CoreError, Result};
use crate::sync::Transport;
use crate::Punkt;

/// The member organisations the server listed at the last sync (JSON array of names).
const META_DIRECTORY: &str = "sync_directory";
/// The tag of the server's member list in its last push answer.
const META_DIRECTORY_SEEN: &str = "sync_directory_seen";

/// What to refer, and what the person agreed to share beyond their name.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    pub to_organisation: String,
    pub service: String,
    /// The consent record in the client file the person gave for this referral.
    pub consent_id: String,
    pub reason: String,
    #[serde(default)]
    pub share: ShareInput,
}

/// Each field the person agreed to share (their name always goes: the receiving organisation
/// must know whom to expect).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields, default)]
pub struct ShareInput {
    pub names_original: bool,
    pub birth_date: bool,
    pub citizenships: bool,
    pub languages: bool,
    pub phone: bool,
}

impl ReferralInput {
    pub fn from_json(json: &str) -> Result<Self> {
        crate::input::parse_json(json, "referral JSON")
    }
}

/// A referral as either organisation sees it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReferralView {
    pub id: String,
    /// `outgoing` (this organisation referred) or `incoming`.
    pub direction: String,
    pub from_organisation: String,
    pub to_organisation: String,
    pub service: String,
    pub status: String,
    pub created_at: String,
    pub reason: String,
    pub consent_clause: String,
    pub consent_given_on: String,
    pub given_names: String,
    pub family_name: String,
    pub names_original: Option<String>,
    pub birth_date: Option<String>,
    pub citizenships: Vec<String>,
    pub languages: Vec<String>,
    pub phone: Option<String>,
    /// Oldest first.
    pub events: Vec<ReferralEventView>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReferralEventView {
    pub at: String,
    pub organisation: String,
    pub status: String,
    pub note: String,
    pub author: Option<String>,
}

/// A referral as the referring client file lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReferralRefView {
    pub id: String,
    pub to_organisation: String,
    pub service: String,
    pub created_at: String,
}

impl ReferralRefView {
    pub(crate) fn of(id: &str, r: &ReferralRef) -> ReferralRefView {
        ReferralRefView {
            id: id.to_string(),
            to_organisation: r.to_organisation.clone(),
            service: r.service.as_str().to_string(),
            created_at: r.created_at.clone(),
        }
    }
}

impl Punkt {
    /// The member organisations the server listed at the last sync, sorted; empty before the
    /// first sync (a laptop used alone, or not yet enrolled).
    pub fn organisations(&self) -> Result<Vec<String>> {
        Ok(self
            .store
            .meta_value(META_DIRECTORY)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    /// Remember the tag of the server's member list a push answer carried.
    pub(crate) fn note_directory_tag(&self, tag: &str) -> Result<()> {
        Ok(self.store.set_meta(META_DIRECTORY_SEEN, tag)?)
    }

    /// At the end of a sync: ask the server for the member organisations when its list's tag
    /// is not the one of the list kept here (or none is kept), and keep the list.
    pub(crate) fn fetch_directory_if_changed(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut crate::sync::SyncSummary,
    ) -> Result<()> {
        let kept = self.store.meta_value(META_DIRECTORY)?;
        let seen = self.store.meta_value(META_DIRECTORY_SEEN)?;
        if let (Some(_), Some(seen)) = (&kept, &seen) {
            if directory_tag(&self.organisations()?) == *seen {
                return Ok(());
            }
        }
        let Response::Directory(orgs) = self.round(t, summary, &Request::Directory)? else {
            return Err(CoreError::Sync(
                "the server answered the directory request with something else".into(),
            ));
        };
        let json = serde_json::to_string(&orgs).expect("serialises");
        self.store.set_meta(META_DIRECTORY, &json)?;
        Ok(())
    }

    /// Refer the person of `client_id` to another member organisation.
    pub fn refer(&mut self, client_id: &str, input: ReferralInput) -> Result<ReferralView> {
        let file = self.client(client_id)?;
        if let Some(into) = &file.merged_into {
            return Err(CoreError::Invalid(format!(
                "the file {client_id} was merged into {into}: refer from there"
            )));
        }
        let to = input.to_organisation.trim().to_string();
        if to.is_empty() || to == file.organisation {
            return Err(CoreError::Invalid(
                "to_organisation: name another member organisation".into(),
            ));
        }
        // Once the server has listed the members, a referral can only go to one of them (before
        // the first sync the server decides, and an unknown name can be discarded).
        let members = self.organisations()?;
        if !members.is_empty() && !members.contains(&to) {
            return Err(CoreError::Invalid(format!(
                "to_organisation: '{to}' is not a member organisation (members: {})",
                members.join(", ")
            )));
        }
        let service: Service = input
            .service
            .parse()
            .map_err(|e: punkt_model::ModelError| CoreError::Invalid(e.to_string()))?;
        let consent = file.consents.get(&input.consent_id).ok_or_else(|| {
            CoreError::Invalid(
                "consent_id: record the person's consent to the referral in the file first".into(),
            )
        })?;
        if consent.withdrawn_on.is_some() {
            return Err(CoreError::Invalid(
                "consent_id: that consent was withdrawn".into(),
            ));
        }
        let reason = input.reason.trim().to_string();
        if reason.is_empty() {
            return Err(CoreError::Invalid(
                "reason: say why the person is referred".into(),
            ));
        }
        let p = &file.person;
        let share = input.share;
        let original = format!(
            "{} {}",
            p.given_names_original.as_deref().unwrap_or(""),
            p.family_name_original.as_deref().unwrap_or("")
        )
        .trim()
        .to_string();
        let person = SharedPerson {
            given_names: p.given_names.clone(),
            family_name: p.family_name.clone(),
            names_original: (share.names_original && !original.is_empty()).then_some(original),
            birth_date: share
                .birth_date
                .then(|| p.birth_date.as_ref().map(|d| d.to_string()))
                .flatten(),
            citizenships: if share.citizenships {
                p.citizenships.clone()
            } else {
                Vec::new()
            },
            languages: if share.languages {
                p.languages.clone()
            } else {
                Vec::new()
            },
            phone: share.phone.then(|| p.contact.phone.clone()).flatten(),
        };
        let now_text = self.now_text();
        let id = new_id();
        let mut events = std::collections::BTreeMap::new();
        events.insert(
            new_id(),
            ReferralEvent {
                at: now_text.clone(),
                organisation: file.organisation.clone(),
                status: ReferralStatus::Sent.as_str().to_string(),
                note: String::new(),
                author: self.author().map(str::to_string),
            },
        );
        let referral = ReferralFile {
            kind: REFERRAL_KIND.to_string(),
            schema_version: SHARED_SCHEMA_VERSION,
            id: id.clone(),
            from_organisation: file.organisation.clone(),
            to_organisation: to.clone(),
            service,
            created_at: now_text.clone(),
            created_by: self.author().map(str::to_string),
            consent: ReferralConsent {
                clause: consent.clause.clone(),
                language: consent.language.clone(),
                given_on: consent.given_on,
            },
            person,
            reason,
            status: ReferralStatus::Sent.as_str().to_string(),
            events,
        };
        self.create_document(&id, access::REFERRAL_KIND, &file.organisation, &referral)?;
        let reference = ReferralRef {
            to_organisation: to,
            service,
            created_at: now_text,
        };
        let key = id.clone();
        self.edit_client(client_id, move |f, _| {
            f.referrals.insert(key, reference);
            Ok(())
        })?;
        Ok(self.referral_view(&referral))
    }

    fn referral_view(&self, r: &ReferralFile) -> ReferralView {
        let mut events: Vec<ReferralEventView> = r
            .events
            .values()
            .map(|e| ReferralEventView {
                at: e.at.clone(),
                organisation: e.organisation.clone(),
                status: e.status.clone(),
                note: e.note.clone(),
                author: e.author.clone(),
            })
            .collect();
        events.sort_by(|a, b| a.at.cmp(&b.at));
        ReferralView {
            id: r.id.clone(),
            direction: if r.from_organisation == self.organisation() {
                "outgoing"
            } else {
                "incoming"
            }
            .to_string(),
            from_organisation: r.from_organisation.clone(),
            to_organisation: r.to_organisation.clone(),
            service: r.service.as_str().to_string(),
            status: r.status.clone(),
            created_at: r.created_at.clone(),
            reason: r.reason.clone(),
            consent_clause: r.consent.clause.clone(),
            consent_given_on: r.consent.given_on.to_string(),
            given_names: r.person.given_names.clone(),
            family_name: r.person.family_name.clone(),
            names_original: r.person.names_original.clone(),
            birth_date: r.person.birth_date.clone(),
            citizenships: r.person.citizenships.clone(),
            languages: r.person.languages.clone(),
            phone: r.person.phone.clone(),
            events,
        }
    }

    fn load_referral(&self, id: &str) -> Result<ReferralFile> {
        let doc = self.load_of_kind(id, access::REFERRAL_KIND, "referral")?;
        Ok(read_shared(&doc, REFERRAL_KIND, |r: &ReferralFile| {
            &r.kind
        })?)
    }

    /// One referral.
    pub fn referral(&self, id: &str) -> Result<ReferralView> {
        Ok(self.referral_view(&self.load_referral(id)?))
    }

    /// Every referral on this laptop, incoming and outgoing, newest first.
    pub fn referrals(&self) -> Result<Vec<ReferralView>> {
        let mut out = Vec::new();
        for id in self.store.document_ids(access::REFERRAL_KIND)? {
            out.push(self.referral(&id)?);
        }
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(out)
    }

    /// Answer a referral: the receiving organisation `accepted`, `declined` or `closed` (with
    /// a report back in `note`); the referring one `withdrawn`.
    pub fn respond_referral(&mut self, id: &str, status: &str, note: &str) -> Result<ReferralView> {
        let status = ReferralStatus::parse(status).ok_or_else(|| {
            CoreError::Invalid(format!(
                "status: one of accepted, declined, closed, withdrawn (not '{status}')"
            ))
        })?;
        let current = self.load_referral(id)?;
        let me = self.organisation().to_string();
        let receiving = current.to_organisation == me;
        let allowed = match status {
            ReferralStatus::Accepted | ReferralStatus::Declined | ReferralStatus::Closed => {
                receiving
            }
            ReferralStatus::Withdrawn => current.from_organisation == me,
            ReferralStatus::Sent => false,
        };
        if !allowed {
            return Err(CoreError::Forbidden(format!(
                "{me} cannot mark this referral {}",
                status.as_str()
            )));
        }
        let event = ReferralEvent {
            at: self.now_text(),
            organisation: me,
            status: status.as_str().to_string(),
            note: note.trim().to_string(),
            author: self.author().map(str::to_string),
        };
        let updated = self.edit_shared(
            id,
            REFERRAL_KIND,
            |r: &ReferralFile| &r.kind,
            |r| {
                r.status = event.status.clone();
                r.events.insert(new_id(), event);
                Ok(None)
            },
        )?;
        Ok(self.referral_view(&updated))
    }

    /// Take back a referral the server never took (an organisation name it does not know, say):
    /// it leaves the file and is erased here. One the server has may have reached the other
    /// organisation already: that one is withdrawn, not discarded.
    pub fn discard_referral(&mut self, client_id: &str, referral_id: &str) -> Result<()> {
        let file = self.client(client_id)?;
        let listed = file.referrals.contains_key(referral_id);
        // Not listed but still here and ours: a discard that stopped between its two writes.
        let ours = || -> Result<bool> {
            Ok(self
                .load_referral(referral_id)
                .is_ok_and(|r| r.from_organisation == self.organisation()))
        };
        if !listed && !ours()? {
            return Err(CoreError::Invalid(format!(
                "the file {client_id} made no referral {referral_id}"
            )));
        }
        if self.store.server_has(referral_id)? {
            return Err(CoreError::ReferralOnServer(referral_id.to_string()));
        }
        if listed {
            let id = referral_id.to_string();
            self.edit_client(client_id, move |f, _| {
                f.referrals.remove(&id);
                Ok(())
            })?;
        }
        let now = self.now_text();
        self.store
            .erase_documents(&[referral_id.to_string()], &now, false)?;
        Ok(())
    }
}
