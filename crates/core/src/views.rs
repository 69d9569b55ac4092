//! What front ends are sent that comes from the store's index or from the server's answers,
//! as types of punkt-core's own: the wire protocol and the store's rows can change without the
//! UI's bindings (`ui/src/ipc/bindings.ts`) changing, and neither `punkt-sync` nor
//! `punkt-store` knows about TypeScript. Each converts from its source as is (same names,
//! same meaning); the comments are the source's.

use serde::Serialize;

use punkt_sync::wire;

/// A client as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientSummary {
    pub id: String,
    pub display_name: String,
    pub birth_date: Option<String>,
    pub citizenship: Option<String>,
    pub updated_at: String,
}

impl From<punkt_store::index::ClientSummary> for ClientSummary {
    fn from(c: punkt_store::index::ClientSummary) -> Self {
        ClientSummary {
            id: c.id,
            display_name: c.display_name,
            birth_date: c.birth_date,
            citizenship: c.citizenship,
            updated_at: c.updated_at,
        }
    }
}

/// Where a key rotation is: `unlock`, `reencrypt` (the database's `bytes`), `key_file`,
/// `done`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyRotation {
    pub phase: String,
    pub bytes: u64,
}

impl From<punkt_store::KeyRotation> for KeyRotation {
    fn from(k: punkt_store::KeyRotation) -> Self {
        KeyRotation {
            phase: k.phase.to_string(),
            bytes: k.bytes,
        }
    }
}

/// One erasure the server can still undo: the documents one request of one laptop erased.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeldErasure {
    pub batch: String,
    pub erased_at: String,
    /// When the server deletes the documents for good (no undo after).
    pub final_at: String,
    pub user: String,
    pub device_id: String,
    /// The client files among the documents (the others are their attachments, restricted
    /// sections and referrals).
    pub client_files: Vec<String>,
    pub documents: u32,
}

impl From<wire::HeldErasure> for HeldErasure {
    fn from(h: wire::HeldErasure) -> Self {
        HeldErasure {
            batch: h.batch,
            erased_at: h.erased_at,
            final_at: h.final_at,
            user: h.user,
            device_id: h.device_id,
            client_files: h.client_files,
            documents: h.documents,
        }
    }
}

/// A person of the organisation, as its coordinator sees them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamUser {
    pub name: String,
    pub role: String,
}

/// A laptop enrolled with the organisation, as its coordinator sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamDevice {
    pub device_id: String,
    pub name: String,
    pub user: String,
    pub role: String,
    pub enrolled_at: String,
    pub last_seen: Option<String>,
    pub revoked_at: Option<String>,
}

/// Something a coordinator asked for that a second coordinator must approve.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PendingApproval {
    pub id: String,
    pub action: String,
    /// The person (`add_user`, `enrol_code`) or the laptop's id (`revoke`).
    pub subject: String,
    pub role: Option<String>,
    pub requested_by: String,
    pub requested_at: String,
}

/// A one-time enrolment code: shown once, to be typed on the new laptop.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnrolCode {
    pub user: String,
    pub role: String,
    pub code: String,
    pub expires_at: String,
    /// The code works only once a second coordinator approved it.
    pub awaiting_approval: bool,
}

/// The organisation's people, laptops and what waits for approval.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Team {
    pub organisation: String,
    pub users: Vec<TeamUser>,
    pub devices: Vec<TeamDevice>,
    pub pending: Vec<PendingApproval>,
    /// In the answer to approving a laptop code: the code, shown once.
    pub issued: Option<EnrolCode>,
}

impl From<wire::EnrolCode> for EnrolCode {
    fn from(c: wire::EnrolCode) -> Self {
        EnrolCode {
            user: c.user,
            role: c.role,
            code: c.code,
            expires_at: c.expires_at,
            awaiting_approval: c.awaiting_approval,
        }
    }
}

impl From<wire::Team> for Team {
    fn from(t: wire::Team) -> Self {
        Team {
            organisation: t.organisation,
            users: t
                .users
                .into_iter()
                .map(|u| TeamUser {
                    name: u.name,
                    role: u.role,
                })
                .collect(),
            devices: t
                .devices
                .into_iter()
                .map(|d| TeamDevice {
                    device_id: d.device_id,
                    name: d.name,
                    user: d.user,
                    role: d.role,
                    enrolled_at: d.enrolled_at,
                    last_seen: d.last_seen,
                    revoked_at: d.revoked_at,
                })
                .collect(),
            pending: t
                .pending
                .into_iter()
                .map(|p| PendingApproval {
                    id: p.id,
                    action: p.action,
                    subject: p.subject,
                    role: p.role,
                    requested_by: p.requested_by,
                    requested_at: p.requested_at,
                })
                .collect(),
            issued: t.issued.map(Into::into),
        }
    }
}

/// What the server did with one month of this organisation's tally.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TallyReceipt {
    pub month: String,
    pub people: u32,
    /// False when a resend found no tally of the month to replace (nothing was stored).
    pub stored: bool,
}

impl From<wire::TallyReceipt> for TallyReceipt {
    fn from(r: wire::TallyReceipt) -> Self {
        TallyReceipt {
            month: r.month,
            people: r.people,
            stored: r.stored,
        }
    }
}

/// The consortium-wide count: numbers only, never a hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsortiumCount {
    pub from: String,
    pub to: String,
    /// Per service, and `all`.
    pub services: Vec<ServiceCount>,
    /// Which organisation sent which months of the period.
    pub contributions: Vec<Contribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServiceCount {
    pub service: String,
    /// People counted once however many organisations helped them.
    pub unique_people: u64,
    /// The organisations' own counts added up.
    pub sum_of_organisations: u64,
    /// People helped by two organisations or more.
    pub in_several_organisations: u64,
    /// Unique people per organisation.
    pub per_organisation: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Contribution {
    pub organisation: String,
    pub months: Vec<String>,
    pub missing_months: Vec<String>,
    /// When the organisation last sent a month of the period.
    pub last_sent: Option<String>,
}

impl From<wire::ConsortiumCount> for ConsortiumCount {
    fn from(c: wire::ConsortiumCount) -> Self {
        ConsortiumCount {
            from: c.from,
            to: c.to,
            services: c
                .services
                .into_iter()
                .map(|s| ServiceCount {
                    service: s.service,
                    unique_people: s.unique_people,
                    sum_of_organisations: s.sum_of_organisations,
                    in_several_organisations: s.in_several_organisations,
                    per_organisation: s.per_organisation,
                })
                .collect(),
            contributions: c
                .contributions
                .into_iter()
                .map(|c| Contribution {
                    organisation: c.organisation,
                    months: c.months,
                    missing_months: c.missing_months,
                    last_sent: c.last_sent,
                })
                .collect(),
        }
    }
}

/// One entry of the server's audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditEntry {
    pub at: String,
    pub action: String,
    pub user: Option<String>,
    pub organisation: Option<String>,
    pub device_id: Option<String>,
    pub doc_id: Option<String>,
    pub detail: String,
}

impl From<wire::AuditEntry> for AuditEntry {
    fn from(e: wire::AuditEntry) -> Self {
        AuditEntry {
            at: e.at,
            action: e.action,
            user: e.user,
            organisation: e.organisation,
            device_id: e.device_id,
            doc_id: e.doc_id,
            detail: e.detail,
        }
    }
}

/// Every item of `items` as its view.
pub fn all<T, V: From<T>>(items: Vec<T>) -> Vec<V> {
    items.into_iter().map(V::from).collect()
}
