//! The consortium's counts (tallies of keyed hashes, never names, each person once across
//! organisations), the audit view, and the events laptops record.

use super::*;

/// Count unique people per service (and `all`) from the tally rows of a period; which
/// organisation sent which month. `organisations` adds those that sent nothing.
pub(super) fn count_tallies(
    months: &[String],
    sent: &[TallyMonth],
    rows: Vec<TallyRow>,
    devices: Vec<Device>,
) -> ConsortiumCount {
    // service -> person -> organisations
    let mut by_service: BTreeMap<String, HashMap<[u8; 32], BTreeSet<String>>> = BTreeMap::new();
    for r in rows {
        for service in [r.service.as_str(), "all"] {
            by_service
                .entry(service.to_string())
                .or_default()
                .entry(r.person)
                .or_default()
                .insert(r.organisation.clone());
        }
    }
    let services = by_service
        .into_iter()
        .map(|(service, people)| {
            let mut per_org: BTreeMap<String, u64> = BTreeMap::new();
            let mut several = 0;
            for orgs in people.values() {
                if orgs.len() > 1 {
                    several += 1;
                }
                for o in orgs {
                    *per_org.entry(o.clone()).or_default() += 1;
                }
            }
            ServiceCount {
                service,
                unique_people: people.len() as u64,
                sum_of_organisations: per_org.values().sum(),
                in_several_organisations: several,
                per_organisation: per_org.into_iter().collect(),
            }
        })
        .collect();
    // Expected contributors: organisations with a coordinator's laptop that is not revoked
    // (only coordinators send tallies), and any that sent.
    let mut orgs: BTreeSet<String> = devices
        .into_iter()
        .filter(|d| d.role == "coordinator" && d.revoked_at.is_none())
        .map(|d| d.organisation)
        .collect();
    orgs.extend(sent.iter().map(|m| m.organisation.clone()));
    let contributions = orgs
        .into_iter()
        .map(|org| {
            let mine: Vec<&TallyMonth> = sent.iter().filter(|m| m.organisation == org).collect();
            Contribution {
                months: mine.iter().map(|m| m.month.clone()).collect(),
                missing_months: months
                    .iter()
                    .filter(|m| !mine.iter().any(|s| &s.month == *m))
                    .cloned()
                    .collect(),
                last_sent: mine.iter().map(|m| m.sent_at.clone()).max(),
                organisation: org,
            }
        })
        .collect();
    ConsortiumCount {
        from: String::new(),
        to: String::new(),
        services,
        contributions,
    }
}

impl<S: Storage> Engine<S> {
    /// Delete the consortium tallies of the months before `before` (`YYYY-MM`); logged.
    pub async fn delete_tallies_before(&self, before: &str) -> Result<u64, StorageError> {
        punkt_sync::wire::parse_month(before).map_err(|e| StorageError::Invalid(e.to_string()))?;
        let n = self.store.delete_tallies_before(before).await?;
        self.store.scrub_tallies().await?;
        let detail = format!("{n} organisation-months of tallies before {before} deleted");
        let e = self.admin_event("tally_delete", None, None, None, detail);
        self.store.audit(e).await?;
        Ok(n)
    }

    /// Store one month of the device's organisation's consortium tally, replacing the last.
    pub(super) async fn tally(&self, device: &Device, t: Tally) -> Result<Response, StorageError> {
        // Services are the vocabulary's codes: free text would reach every coordinator's screen,
        // and "all" is the total's name.
        if let Some(bad) = t
            .people
            .iter()
            .flat_map(|p| &p.services)
            .find(|s| s.parse::<punkt_model::vocab::Service>().is_err())
        {
            return Ok(Response::refused(
                Code::Malformed,
                format!("'{bad}' is not a service"),
            ));
        }
        let n = t.people.len();
        let people = t
            .people
            .into_iter()
            .map(|p| (p.person.0, p.services))
            .collect();
        let at = timestamp(self.now());
        let stored = self
            .store
            .replace_tally(TallyUpload {
                org: device.organisation.clone(),
                month: t.month.clone(),
                key_id: t.key_id.clone(),
                sent_at: at,
                people,
                only_if_present: t.resend,
            })
            .await?;
        if stored {
            // A month sent again after an erasure must not leave the erased person's hash in
            // the database's files.
            self.store.scrub_tallies().await?;
        }
        let detail = match (stored, t.resend) {
            (true, false) => format!("{}: {n} people", t.month),
            (true, true) => format!("{}: {n} people, sent again after an erasure", t.month),
            (false, _) => format!("{}: not sent again (no tally of it here)", t.month),
        };
        self.audit("tally", Some(device), None, detail).await;
        Ok(Response::Tally(TallyReceipt {
            month: t.month,
            people: if stored {
                u32::try_from(n).unwrap_or(u32::MAX)
            } else {
                0
            },
            stored,
        }))
    }

    /// Count the people the consortium reached in a period, each once, from the organisations'
    /// tallies. Only numbers leave the server.
    pub(super) async fn consortium_count(
        &self,
        device: &Device,
        q: CountQuery,
    ) -> Result<Response, StorageError> {
        let months = match punkt_sync::wire::months(&q.from, &q.to) {
            Ok(m) => m,
            Err(e) => return Ok(Response::refused(Code::Malformed, e.to_string())),
        };
        let (sent, rows) = self.store.tallies(&q.from, &q.to).await?;
        let mut keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for m in &sent {
            keys.entry(&m.key_id).or_default().insert(&m.organisation);
        }
        if keys.len() > 1 {
            let groups: Vec<String> = keys
                .iter()
                .map(|(k, orgs)| {
                    format!(
                        "key {k}: {}",
                        orgs.iter().copied().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            return Ok(Response::refused(
                Code::KeyMismatch,
                format!(
                    "the tallies of this period were made with different consortium keys ({}); \
                     every organisation must send them again with the same key",
                    groups.join("; ")
                ),
            ));
        }
        let count = count_tallies(&months, &sent, rows, self.store.devices().await?);
        self.audit(
            "consortium_count",
            Some(device),
            None,
            format!("{}..{}", q.from, q.to),
        )
        .await;
        Ok(Response::ConsortiumCount(ConsortiumCount {
            from: q.from,
            to: q.to,
            ..count
        }))
    }

    /// The audit log as the device's organisation's coordinator may see it.
    pub(super) async fn audit_view(
        &self,
        device: &Device,
        q: AuditQuery,
    ) -> Result<Response, StorageError> {
        let events = self
            .store
            .audit_for(&device.organisation, &q.doc_ids, q.limit)
            .await?;
        // Reading the log is itself logged.
        self.audit(
            "audit",
            Some(device),
            q.doc_ids.first().map(String::as_str),
            format!(
                "{} entries read about {} documents",
                events.len(),
                q.doc_ids.len()
            ),
        )
        .await;
        Ok(Response::Audit(
            events
                .into_iter()
                .map(|e| AuditEntry {
                    at: e.at,
                    action: e.action,
                    user: e.user,
                    organisation: e.organisation,
                    device_id: e.device_id,
                    doc_id: e.doc_id,
                    detail: e.detail,
                })
                .collect(),
        ))
    }

    /// Log what a device did on its own (exports, merges, retention runs). An event about a
    /// document the device may not access is not logged (it could not have done it, and must
    /// not write into another organisation's log); one sent before is logged once.
    pub(super) async fn record(
        &self,
        device: &Device,
        events: Vec<LocalEvent>,
    ) -> Result<u32, StorageError> {
        let mut new = 0;
        for e in events {
            if let Some(id) = &e.doc_id {
                if let Some(sd) = self.store.load_doc(id).await? {
                    if !Self::may_access(device, &sd) {
                        self.audit_refusal(
                            device,
                            &format!("record {}: no access to {id}", e.action),
                        )
                        .await;
                        continue;
                    }
                }
            }
            let ev = AuditEvent {
                at: timestamp(self.now()),
                action: e.action,
                device_id: Some(device.device_id.clone()),
                user: Some(device.user.clone()),
                organisation: Some(device.organisation.clone()),
                doc_id: e.doc_id,
                detail: format!("{} (on the device at {})", e.detail, e.at),
                event_id: Some(format!("{}:{}", device.device_id, e.id)),
            };
            if self.store.audit(ev).await? {
                new += 1;
            }
        }
        Ok(new)
    }
}
