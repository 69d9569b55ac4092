//! What front ends are sent of a client file: views built from the domain types, which never
//! cross the boundary themselves.

use super::*;

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

pub(super) fn s<T: ToString>(v: &Option<T>) -> Option<String> {
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

/// One of a file's lists as screens show it: each entry made by `view`, in the order of `order`
/// (a day), entries of one day in the order of their ids.
pub(crate) fn listed<'a, T: 'a, V, K: Ord>(
    entries: impl IntoIterator<Item = (&'a String, &'a T)>,
    view: impl Fn(&'a str, &'a T) -> V,
    order: impl Fn(&T) -> K,
) -> Vec<V> {
    let mut all: Vec<(K, &String, V)> = entries
        .into_iter()
        .map(|(id, e)| (order(e), id, view(id, e)))
        .collect();
    all.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    all.into_iter().map(|(_, _, v)| v).collect()
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

impl LegalStatusView {
    fn of(id: &str, e: &LegalStatusEntry) -> Self {
        LegalStatusView {
            id: id.to_string(),
            status: e.status.to_string(),
            track: e.status.track().to_string(),
            from: s(&e.from),
            until: s(&e.until),
            centre: e.centre.clone(),
            purpose: e.purpose.map(|p| p.to_string()),
            note: e.note.clone(),
        }
    }
}

impl ConsultationView {
    fn of(id: &str, c: &Consultation) -> Self {
        ConsultationView {
            id: id.to_string(),
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
        }
    }
}

impl IdentifierView {
    fn of(id: &str, i: &Identifier) -> Self {
        IdentifierView {
            id: id.to_string(),
            kind: i.kind.to_string(),
            number: i.number.clone(),
            issued_by: i.issued_by.clone(),
            valid_until: s(&i.valid_until),
        }
    }
}

impl ConsentView {
    fn of(id: &str, c: &ConsentRecord) -> Self {
        ConsentView {
            id: id.to_string(),
            clause: c.clause.clone(),
            language: c.language.clone(),
            given_on: c.given_on.to_string(),
            recorded_by: c.recorded_by.clone(),
            legal_basis: c.legal_basis.clone(),
            withdrawn_on: s(&c.withdrawn_on),
        }
    }
}

impl MatterView {
    fn of(id: &str, m: &Matter) -> Self {
        MatterView {
            id: id.to_string(),
            kind: m.kind.to_string(),
            authority: m.authority.clone(),
            reference: m.reference.clone(),
            status: m.status.to_string(),
            opened: s(&m.opened),
            closed: s(&m.closed),
            note: m.note.clone(),
        }
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
        // Sorted by the days as written (a partial date sorts before the days in it).
        let legal_status = listed(&f.legal_status, LegalStatusView::of, |e| s(&e.from));
        let consultations = listed(&f.consultations, ConsultationView::of, |c| {
            c.date.to_string()
        });
        let deadlines = listed(&f.deadlines, deadline_view, |d| d.due.to_string());
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
                identifiers: (p.identifiers.iter())
                    .map(|(id, i)| IdentifierView::of(id, i))
                    .collect(),
            },
            current_status: f.status_on(today).map(|s| s.to_string()),
            statuses_in_force: f.statuses_on(today).iter().map(|s| s.to_string()).collect(),
            legal_status,
            vulnerabilities: f.vulnerabilities.keys().cloned().collect(),
            sensitive_visible: false,
            processing: crate::processing::views(f, IsoDate(today)),
            consents: (f.consents.iter())
                .map(|(id, c)| ConsentView::of(id, c))
                .collect(),
            matters: (f.matters.iter())
                .map(|(id, m)| MatterView::of(id, m))
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
