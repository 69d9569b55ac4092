//! Retention (GDPR Art. 5(1)(e), storage limitation): an organisation's rule that files closed
//! for N years are erased, or anonymised, run on demand with a report of what it did.
//!
//! A file is closed when no matter is open or pending and no deadline is open; it has been
//! closed since its last activity: the latest of its consultations, its matters' opening and
//! closing, its legal-status timeline and the events its deadlines ran from, or, for a file
//! with none, the day it was made. (A file imported from an old
//! register is judged by its own dates, not by the day of the import.) Files of other
//! organisations are never touched.
//!
//! Anonymising is not editing in place: an Automerge document keeps every old value in its
//! history. The rule writes a new file holding only what donor reports count (sex, birth
//! year, citizenships, languages, the legal-status timeline, matters' kind and course,
//! consultations' date, place and services), coarsened so that it points at nobody: every date
//! to its month (a day becomes the 1st of its month), a guarded centre, and a town other than
//! the consortium's point cities, to its voivodeship (`reference::region_of`; `unknown` when
//! not known). Then it erases the original everywhere. The copy
//! has no name, no document number, no contact, no notes, no attachments, no restricted
//! sections, no referrals, new ids for every entry and its own date of making: nothing in it
//! matches a copy of the original kept elsewhere, beyond the dates and kinds it keeps.
//!
//! The rule decides on what this laptop holds: a consultation entered on another laptop and
//! not synced yet does not keep a file. Sync before applying it.

use serde::{Deserialize, Serialize};

use chrono::Datelike;
use punkt_model::client::{ClientFile, Consultation, LegalStatusEntry, Matter, Place};
use punkt_model::reference::{region_of, POINT_CITIES};
use punkt_model::vocab::PlaceKind;
use punkt_model::{new_id, IsoDate, PartialDate};

/// A day as an anonymised copy keeps it: the 1st of its month.
fn month_of(d: IsoDate) -> IsoDate {
    d.0.with_day(1).map(IsoDate).unwrap_or(d)
}

/// A partial date as an anonymised copy keeps it: a day becomes its month.
fn month_of_partial(d: PartialDate) -> PartialDate {
    match d {
        PartialDate::Day(day) => PartialDate::YearMonth(day.year(), day.month()),
        other => other,
    }
}

/// A place as an anonymised copy keeps it: a guarded centre, or a town that is not one of the
/// consortium's point cities, becomes its voivodeship (`unknown` when not known).
fn coarse_place(p: &Place) -> Place {
    let region = |name: &Option<String>| {
        Some(
            name.as_deref()
                .and_then(region_of)
                .unwrap_or("unknown")
                .to_string(),
        )
    };
    match p.kind {
        PlaceKind::Centre => Place {
            kind: PlaceKind::Centre,
            city: None,
            centre: region(&p.centre),
        },
        PlaceKind::Point if p.city.as_deref().is_some_and(|c| POINT_CITIES.contains(&c)) => {
            p.clone()
        }
        PlaceKind::Point => Place {
            kind: PlaceKind::Point,
            city: region(&p.city),
            centre: None,
        },
        PlaceKind::Remote => p.clone(),
    }
}

use crate::error::{CoreError, Result};
use crate::Punkt;

const META_RULE: &str = "retention_rule";

/// The longest retention period a rule may name.
pub const MAX_YEARS: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum RetentionAction {
    Erase,
    Anonymise,
}

/// An organisation's retention rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// Years a file stays after it was closed.
    pub closed_years: u32,
    pub action: RetentionAction,
}

/// A file the rule applies to.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetentionItem {
    pub id: String,
    pub last_activity: String,
}

/// An anonymised copy and the file it replaced (the report is kept by the person who ran the
/// rule; the copy itself holds no link to the original).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AnonymisedFile {
    pub from: String,
    pub to: String,
}

/// What a run of the rule found, and did when `applied`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetentionReport {
    pub rule: RetentionRule,
    pub run_at: String,
    /// Files whose last activity is before this day are due.
    pub cutoff: String,
    pub applied: bool,
    /// This organisation's files looked at (anonymised copies are not).
    pub examined: u64,
    /// The files the rule applies to.
    pub due: Vec<RetentionItem>,
    /// Files past the cutoff kept because a matter or a deadline is still open.
    pub kept_open: Vec<RetentionItem>,
    pub erased: Vec<String>,
    pub anonymised: Vec<AnonymisedFile>,
    /// When this laptop last synced (none if it never did): the rule decides on what is here.
    pub last_sync: Option<String>,
    /// An enrolled laptop must have synced within `SYNC_FRESH_HOURS` to apply the rule.
    pub sync_required: bool,
}

/// How recent an enrolled laptop's last sync must be for the rule to be applied: a file another
/// laptop worked on since, whose work is on the server but not here, would look inactive.
pub const SYNC_FRESH_HOURS: i64 = 24;

/// The anonymised copy of `file` (see the module header). Every entry gets a new id (the old
/// ones are ULIDs with a time in them, which would match a copy of the original kept
/// elsewhere), and the copy is dated by its own making.
pub fn anonymised_copy(file: &ClientFile, id: String, now: &str) -> ClientFile {
    let mut a = ClientFile::new(id, file.organisation.clone(), now.to_string());
    a.updated_at = now.to_string();
    a.anonymised_at = Some(now.to_string());
    let (p, q) = (&file.person, &mut a.person);
    q.birth_date = p.birth_date.map(|d| PartialDate::Year(d.year()));
    q.birth_date_approximate = p.birth_date_approximate;
    q.sex = p.sex;
    q.citizenships = p.citizenships.clone();
    q.stateless = p.stateless;
    q.languages = p.languages.clone();
    a.legal_status = file
        .legal_status
        .values()
        .map(|s| {
            let entry = LegalStatusEntry {
                status: s.status,
                from: s.from.map(month_of_partial),
                until: s.until.map(month_of_partial),
                centre: None,
                purpose: s.purpose,
                note: None,
            };
            (new_id(), entry)
        })
        .collect();
    // Consultations keep which matter they were for, under the matter's new id.
    let mut matter_ids = std::collections::HashMap::new();
    a.matters = file
        .matters
        .iter()
        .map(|(old, m)| {
            let matter = Matter {
                kind: m.kind,
                authority: None,
                reference: None,
                status: m.status,
                opened: m.opened.map(month_of),
                closed: m.closed.map(month_of),
                note: None,
            };
            let id = new_id();
            matter_ids.insert(old.clone(), id.clone());
            (id, matter)
        })
        .collect();
    a.consultations = file
        .consultations
        .values()
        .map(|c| {
            // Every field named: one added to `Consultation` later must be decided here.
            let kept = Consultation {
                date: month_of(c.date),
                place: coarse_place(&c.place),
                services: c.services.clone(),
                organisation: c.organisation.clone(),
                language: c.language.clone(),
                interpreter: c.interpreter,
                duration_minutes: c.duration_minutes,
                staff: None,
                matter_id: c
                    .matter_id
                    .as_ref()
                    .and_then(|m| matter_ids.get(m).cloned()),
                note: String::new(),
                // Donor reports count by it.
                project: c.project.clone(),
            };
            (new_id(), kept)
        })
        .collect();
    a
}

/// How a document states `rule` in the reader's language, from the `retention_*` labels of
/// `section` (`document`: the access document; `record`: the record of processing). Not
/// escaped.
pub(crate) fn described(
    rule: Option<RetentionRule>,
    l: &crate::labels::Labels,
    section: &str,
) -> String {
    match rule {
        Some(r) => l
            .text(section, "retention_rule")
            .replace("{{years}}", &r.closed_years.to_string())
            .replace(
                "{{action}}",
                &l.text(
                    section,
                    match r.action {
                        RetentionAction::Erase => "retention_erase",
                        RetentionAction::Anonymise => "retention_anonymise",
                    },
                ),
            ),
        None => l.text(section, "retention_none"),
    }
}

/// Originals whose anonymised copies are written but which are not erased yet (a run stopped
/// between its two transactions): the next run erases them first, and copies them no more.
const META_PENDING: &str = "retention_pending";

/// How many files a run examines between two questions whether to go on.
const EXAMINED_BETWEEN_ASKS: usize = 1000;

impl Punkt {
    /// The organisation's rule: the shared settings' (since issue 14), else the one an older
    /// release kept on this laptop.
    pub fn retention_rule(&self) -> Result<Option<RetentionRule>> {
        if let Some(r) = self.org_settings()?.retention {
            let action = match r.action.as_str() {
                "erase" => RetentionAction::Erase,
                "anonymise" => RetentionAction::Anonymise,
                other => {
                    return Err(CoreError::Invalid(format!(
                        "damaged retention rule: action '{other}'"
                    )))
                }
            };
            return Ok(Some(RetentionRule {
                closed_years: u32::try_from(r.closed_years).unwrap_or(u32::MAX),
                action,
            }));
        }
        self.store
            .meta_value(META_RULE)?
            .map(|s| {
                serde_json::from_str(&s)
                    .map_err(|e| CoreError::Invalid(format!("damaged retention rule: {e}")))
            })
            .transpose()
    }

    /// Set (or with `None` remove) this organisation's rule, in the shared settings every
    /// laptop of the organisation follows. A coordinator's decision (or a laptop's used
    /// alone): another role is refused.
    pub fn set_retention_rule(&mut self, rule: Option<RetentionRule>) -> Result<()> {
        self.require_coordinator("set the retention rule")?;
        if let Some(r) = &rule {
            if r.closed_years == 0 || r.closed_years > MAX_YEARS {
                return Err(CoreError::Invalid(format!(
                    "a retention period is 1 to {MAX_YEARS} years"
                )));
            }
        }
        let shared = rule.map(|r| punkt_model::organisation::Retention {
            closed_years: u64::from(r.closed_years),
            action: match r.action {
                RetentionAction::Erase => "erase",
                RetentionAction::Anonymise => "anonymise",
            }
            .to_string(),
        });
        self.change_settings(|s| s.retention = shared)?;
        // The laptop's own copy an older release kept would otherwise come back when the
        // shared rule is removed.
        self.store.delete_meta(META_RULE)?;
        Ok(())
    }

    /// Erase the originals an interrupted run already copied (see [`META_PENDING`]). Whether
    /// any was erased now (a journal whose originals are all gone only goes).
    fn finish_pending_retention(&mut self) -> Result<bool> {
        let Some(json) = self.store.meta_value(META_PENDING)? else {
            return Ok(false);
        };
        let ids: Vec<String> = serde_json::from_str(&json)
            .map_err(|e| CoreError::Invalid(format!("damaged retention journal: {e}")))?;
        let mut left = Vec::new();
        for id in ids {
            match self.client(&id) {
                Ok(_) => left.push(id),
                Err(CoreError::Erased(_) | CoreError::UnknownClient(_)) => {}
                Err(e) => return Err(e),
            }
        }
        self.erase_clients(&left)?;
        self.store.delete_meta(META_PENDING)?;
        Ok(!left.is_empty())
    }

    fn require_coordinator(&self, what: &str) -> Result<()> {
        if self.may_change_settings()? {
            return Ok(());
        }
        Err(CoreError::Forbidden(format!(
            "only a coordinator may {what} (this laptop's role is {})",
            self.role()?.unwrap_or_default()
        )))
    }

    /// Run the retention rule: with `apply` false, only say what it would do. Applying erases
    /// (or anonymises and erases) every due file, and is recorded for the audit log.
    pub fn run_retention(&mut self, apply: bool) -> Result<RetentionReport> {
        self.run_retention_with(apply, &mut || true)
    }

    /// [`Punkt::run_retention`], asking `keep_going` while it examines the files (every
    /// [`EXAMINED_BETWEEN_ASKS`]) and reads those it will copy: when it answers false the run
    /// ends there with [`CoreError::Stopped`], nothing written. Once applying writes (the
    /// copies and the erasure, or first a run an earlier stop left halfway), it is not asked
    /// again and goes through to the end.
    pub fn run_retention_with(
        &mut self,
        apply: bool,
        keep_going: &mut dyn FnMut() -> bool,
    ) -> Result<RetentionReport> {
        let rule = self.retention_rule()?.ok_or_else(|| {
            CoreError::Invalid("no retention rule is set for this organisation".into())
        })?;
        let wrote = if apply {
            self.require_coordinator("apply the retention rule")?;
            if !keep_going() {
                return Err(CoreError::Stopped);
            }
            // A run that stopped halfway is finished first, whatever else: its copies are
            // written and its originals must go before anything syncs.
            self.finish_pending_retention()?
        } else {
            false
        };
        // Once this run has written, it goes to its end.
        let mut keep_going = || wrote || keep_going();
        let last_sync = self.last_sync_at()?;
        // A sync "in the future" (the clock was wrong then, or is now) proves nothing.
        let fresh = last_sync
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| self.now() - t.to_utc())
            .is_some_and(|age| {
                age >= chrono::Duration::zero() && age < chrono::Duration::hours(SYNC_FRESH_HOURS)
            });
        // A laptop used alone has nothing to wait for.
        let sync_required = self.enrolment()?.is_some() && !fresh;
        if apply && sync_required {
            return Err(CoreError::SyncFirst(format!(
                "the rule decides on the files on this laptop; sync (last: {}) so that work \
                 done on other laptops counts, then apply it within {SYNC_FRESH_HOURS} hours",
                last_sync.as_deref().unwrap_or("never")
            )));
        }
        let today = self.today();
        // 29 February, N years back, is the 28th.
        let cutoff = today
            .checked_sub_months(chrono::Months::new(12 * rule.closed_years))
            .expect("a day at most 50 years back exists")
            .to_string();
        let org = self.organisation().to_string();
        let mut report = RetentionReport {
            rule,
            run_at: self.now_text(),
            cutoff: cutoff.clone(),
            applied: apply,
            examined: 0,
            due: Vec::new(),
            kept_open: Vec::new(),
            erased: Vec::new(),
            anonymised: Vec::new(),
            last_sync,
            sync_required,
        };
        for (i, f) in self.store.retention_facts()?.into_iter().enumerate() {
            if i.is_multiple_of(EXAMINED_BETWEEN_ASKS) && !keep_going() {
                return Err(CoreError::Stopped);
            }
            if f.organisation != org {
                continue;
            }
            report.examined += 1;
            // The file's own dates; when it has none, the day it was made here (a file imported
            // from an old register is judged by its consultations, not by the import).
            let last = [
                f.last_consultation,
                f.last_matter_opened,
                f.last_matter_closed,
                f.last_status_date,
                f.last_deadline_event,
            ]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or_else(|| f.created_at.get(..10).unwrap_or(&f.created_at).to_string());
            if last >= cutoff {
                continue;
            }
            let item = RetentionItem {
                id: f.client_id,
                last_activity: last,
            };
            if f.open_matters > 0 || f.open_deadlines > 0 {
                report.kept_open.push(item);
            } else {
                report.due.push(item);
            }
        }
        if !apply {
            return Ok(report);
        }
        if !keep_going() {
            return Err(CoreError::Stopped);
        }
        // Every erasure is planned before anything is written. Then the anonymised copies, with
        // the list of originals they replace, in one transaction; then the originals erased in
        // one transaction with one rewrite of the full-text index. A run that stops between
        // the two leaves the list: the next run erases those originals and copies them no more.
        let now = self.now_text();
        let due: Vec<String> = report.due.iter().map(|i| i.id.clone()).collect();
        let (_, documents) = self.plan_erasures(&due)?;
        if rule.action == RetentionAction::Anonymise {
            let mut copies = Vec::with_capacity(due.len());
            for (i, id) in due.iter().enumerate() {
                if i.is_multiple_of(EXAMINED_BETWEEN_ASKS) && !keep_going() {
                    return Err(CoreError::Stopped);
                }
                let copy = anonymised_copy(&self.client(id)?, new_id(), &now);
                report.anonymised.push(AnonymisedFile {
                    from: id.clone(),
                    to: copy.id.clone(),
                });
                copies.push(copy);
            }
            let pending = serde_json::to_string(&due).expect("ids serialise");
            self.insert_clients_noting(&copies, Some((META_PENDING, &pending)))?;
        }
        self.erase_planned(&documents)?;
        self.store.delete_meta(META_PENDING)?;
        if rule.action == RetentionAction::Erase {
            report.erased = due;
        }
        let action = match rule.action {
            RetentionAction::Erase => "erase",
            RetentionAction::Anonymise => "anonymise",
        };
        self.record_event(
            "retention",
            None,
            &format!(
                "rule: {action} files closed {} years (last activity before {cutoff}): {} files, {} kept open",
                rule.closed_years,
                report.due.len(),
                report.kept_open.len()
            ),
        )?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_json() {
        let r: RetentionRule =
            serde_json::from_str(r#"{"closed_years":5,"action":"anonymise"}"#).unwrap();
        assert_eq!(r.action, RetentionAction::Anonymise);
        assert!(
            serde_json::from_str::<RetentionRule>(r#"{"closed_years":5,"action":"shred"}"#)
                .is_err()
        );
    }

    #[test]
    fn an_anonymised_copy_keeps_months_and_regions() {
        use punkt_model::client::Consultation;
        use punkt_model::vocab::Service;
        let place = |kind, city: Option<&str>, centre: Option<&str>| Place {
            kind,
            city: city.map(str::to_string),
            centre: centre.map(str::to_string),
        };
        let mut file = ClientFile::new("o".into(), "Org".into(), "2020-01-01T00:00:00Z".into());
        for (i, (p, day)) in [
            (
                place(PlaceKind::Centre, None, Some("Kętrzyn")),
                "2020-05-17",
            ),
            (
                place(PlaceKind::Point, Some("Michałowo"), None),
                "2020-05-31",
            ),
            (
                place(PlaceKind::Point, Some("Hrubieszów"), None),
                "2020-06-01",
            ),
            (place(PlaceKind::Point, Some("Wrocław"), None), "2020-06-02"),
            (place(PlaceKind::Remote, None, None), "2020-06-03"),
        ]
        .into_iter()
        .enumerate()
        {
            file.consultations.insert(
                format!("k{i}"),
                Consultation {
                    date: day.parse().unwrap(),
                    place: p,
                    services: vec![Service::Legal],
                    organisation: "Org".into(),
                    language: None,
                    interpreter: false,
                    duration_minutes: None,
                    staff: None,
                    matter_id: None,
                    note: String::new(),
                    project: None,
                },
            );
        }
        let copy = anonymised_copy(&file, "a".into(), "2026-01-01T00:00:00Z");
        let mut kept: Vec<(String, String)> = copy
            .consultations
            .values()
            .map(|c| (c.date.to_string(), c.place.label()))
            .collect();
        kept.sort();
        assert_eq!(
            kept,
            [
                ("2020-05-01".to_string(), "podlaskie".to_string()),
                ("2020-05-01".to_string(), "warmińsko-mazurskie".to_string()),
                ("2020-06-01".to_string(), "Wrocław".to_string()),
                ("2020-06-01".to_string(), "remote".to_string()),
                ("2020-06-01".to_string(), "unknown".to_string()),
            ]
        );
    }
}
