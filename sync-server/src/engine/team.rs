//! An organisation's people and laptops, for its coordinator: the team, enrolment codes, new
//! people, revocation, approvals, and the rule book of deadlines a coordinator publishes.

use super::*;

impl<S: Storage> Engine<S> {
    /// Revoke a device: refused from now on, told to wipe; logged.
    pub async fn revoke(&self, device_id: &str) -> Result<(), StorageError> {
        self.store.revoke(device_id, self.now()).await?;
        // The device's organisation goes in the entry, so its coordinator sees the revocation
        // in their log.
        let device = self.device(device_id).await?;
        // The log's user is who acted (an administrator, unnamed): the laptop's user goes in
        // the detail.
        let detail = match &device {
            Some(d) => format!(
                "{}'s laptop \"{}\" revoked by an administrator",
                d.user, d.name
            ),
            None => "revoked by an administrator".to_string(),
        };
        let org = device.as_ref().map(|d| d.organisation.as_str());
        let e = self.admin_event("revoke", Some(device_id), org, None, detail);
        self.store.audit(e).await.map(drop)
    }

    /// The device's organisation's people and laptops.
    pub(super) async fn team(&self, org: &str) -> Result<Team, StorageError> {
        let users = self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|(_, o, _)| o == org)
            .map(|(name, _, role)| TeamUser { name, role })
            .collect();
        let devices = self
            .store
            .devices()
            .await?
            .into_iter()
            .filter(|d| d.organisation == org)
            .map(|d| TeamDevice {
                device_id: d.device_id,
                name: d.name,
                user: d.user,
                role: d.role,
                enrolled_at: d.enrolled_at,
                last_seen: d.last_seen,
                revoked_at: d.revoked_at,
            })
            .collect();
        let pending = self
            .store
            .approvals(Some(org))
            .await?
            .into_iter()
            .map(|a| PendingApproval {
                id: a.id,
                action: a.action,
                subject: a.subject,
                role: a.role,
                requested_by: a.requested_by,
                requested_at: timestamp(a.requested_at),
            })
            .collect();
        Ok(Team {
            organisation: org.to_string(),
            users,
            devices,
            pending,
            issued: None,
        })
    }

    /// Another organisation's person or laptop is answered like an unknown one: nothing is
    /// learnt of it. Logged as a refusal.
    pub(super) async fn not_ours(&self, device: &Device, what: &str, name: &str) -> Response {
        self.audit_refusal(device, &format!("team: unknown {what} {name}"))
            .await;
        Response::refused(
            Code::NotFound,
            format!("no {what} {name} in {}", device.organisation),
        )
    }

    /// A coordinator publishes a rule book of deadlines and holidays for the consortium: it
    /// must read as one (`RuleBook::from_json`), carry the serial it says, be newer than the
    /// newest kept, and be signed by the coordinator's organisation with the signing key it
    /// published for `epoch`. Laptops check the signature again against the keys they follow;
    /// these checks keep a bad book from being handed out at all.
    pub(super) async fn put_rule_book(
        &self,
        device: &Device,
        b: punkt_sync::wire::SignedRuleBook,
    ) -> Result<Response, StorageError> {
        let bad = |code: Code, why: String| Ok(Response::refused(code, why));
        if b.org != device.organisation {
            return bad(
                Code::Forbidden,
                format!(
                    "a rule book signed for {} from a laptop of {}",
                    b.org, device.organisation
                ),
            );
        }
        let book = match punkt_model::deadlines::RuleBook::from_json(&b.book) {
            Ok(book) => book,
            Err(e) => return bad(Code::Malformed, e.to_string()),
        };
        if book.serial != b.serial {
            return bad(
                Code::Malformed,
                format!(
                    "the book says serial {}, the message {}",
                    book.serial, b.serial
                ),
            );
        }
        let signing = self
            .store
            .org_key_chain(&b.org, b.epoch.saturating_sub(1), 1)
            .await?
            .into_iter()
            .next()
            .filter(|k| k.epoch == b.epoch)
            .and_then(|k| <[u8; 32]>::try_from(k.signing_key.as_slice()).ok());
        let signed = signing.is_some_and(|key| {
            punkt_e2e::verify_rule_book(&key, &b.org, b.epoch, b.serial, &b.book, &b.signature)
        });
        if !signed {
            self.audit_refusal(device, "rule book: the signature does not check")
                .await;
            return bad(
                Code::Forbidden,
                format!(
                    "the rule book is not signed with the keys {} published for epoch {}",
                    b.org, b.epoch
                ),
            );
        }
        let (version, serial) = (book.version.clone(), b.serial);
        if !self
            .store
            .publish_rule_book(b, &device.device_id, self.now())
            .await?
        {
            return bad(
                Code::NotNewer,
                format!("rule book serial {serial} is not newer than the one the server holds"),
            );
        }
        self.audit(
            "rule_book",
            Some(device),
            None,
            format!("rule book {version} (serial {serial}) published"),
        )
        .await;
        Ok(Response::RuleBook(self.store.rule_book().await?))
    }

    pub(super) async fn team_request(&self, device: &Device) -> Result<Response, StorageError> {
        Ok(Response::Team(self.team(&device.organisation).await?))
    }

    /// A coordinator revokes one of their organisation's laptops (not their own: that is done
    /// from another laptop, or by the administrator). Logged with the coordinator as actor.
    pub(super) async fn revoke_request(
        &self,
        device: &Device,
        device_id: &str,
    ) -> Result<Response, StorageError> {
        let target = self
            .device(device_id)
            .await?
            .filter(|d| d.organisation == device.organisation);
        let Some(target) = target else {
            return Ok(self.not_ours(device, "laptop", device_id).await);
        };
        if target.device_id == device.device_id {
            return Ok(Response::refused(
                Code::Invalid,
                "a laptop cannot revoke itself: do it from another coordinator's laptop",
            ));
        }
        // A coordinator's laptop is revoked only when a second coordinator agrees: one
        // coordinator alone cannot lock the others out and wipe their unsent work.
        if target.role == access::COORDINATOR && target.revoked_at.is_none() {
            self.ask_approval(device, "revoke", &target.device_id, None, None)
                .await?;
        } else if target.revoked_at.is_none() {
            self.store.revoke(device_id, self.now()).await?;
            let detail = format!("{}'s laptop \"{}\" revoked", target.user, target.name);
            self.audit("revoke", Some(device), None, detail).await;
        }
        Ok(Response::Team(self.team(&device.organisation).await?))
    }

    pub(super) async fn code_request(
        &self,
        device: &Device,
        user: &str,
        hours: u32,
    ) -> Result<Response, StorageError> {
        let role = self
            .user(user)
            .await?
            .filter(|(org, _)| org == &device.organisation)
            .map(|(_, role)| role);
        let Some(role) = role else {
            return Ok(self.not_ours(device, "user", user).await);
        };
        if needs_second_coordinator(&role) {
            // A laptop for someone who reads restricted notes, or for a coordinator (who could
            // approve the next request): made only when a second coordinator approves, and
            // given to that coordinator, so no coordinator alone holds such a code.
            let expires = self.now() + i64::from(hours) * 3600;
            self.ask_approval(device, "enrol_code", user, Some(&role), Some(expires))
                .await?;
            return Ok(Response::EnrolCode(EnrolCode {
                user: user.to_string(),
                role: role.clone(),
                code: String::new(),
                expires_at: timestamp(expires),
                awaiting_approval: true,
            }));
        }
        Ok(Response::EnrolCode(
            self.issue_code(Some(device), user, hours).await?,
        ))
    }

    pub(super) async fn add_user_request(
        &self,
        device: &Device,
        name: &str,
        role: &str,
    ) -> Result<Response, StorageError> {
        let name = name.trim();
        if needs_second_coordinator(role) {
            // Someone who reads restricted notes: added once a second coordinator approves.
            if name.is_empty() {
                return Ok(Response::refused(
                    Code::Invalid,
                    "give the person's user name",
                ));
            }
            if self.user(name).await?.is_some() {
                return Ok(Response::refused(
                    Code::Exists,
                    format!("the user name '{name}' is taken: choose another"),
                ));
            }
            self.ask_approval(device, "add_user", name, Some(role), None)
                .await?;
            return Ok(Response::Team(self.team(&device.organisation).await?));
        }
        match self.store.add_user(&device.organisation, name, role).await {
            Ok(()) => {}
            Err(StorageError::Invalid(m)) => {
                return Ok(Response::refused(Code::Invalid, m));
            }
            // User names are the server's, across organisations: say only that it is taken.
            Err(StorageError::Exists(_)) => {
                return Ok(Response::refused(
                    Code::Exists,
                    format!("the user name '{name}' is taken: choose another"),
                ));
            }
            Err(e) => return Err(e),
        }
        self.audit(
            "user_add",
            Some(device),
            None,
            format!("user {name} added as {role}"),
        )
        .await;
        Ok(Response::Team(self.team(&device.organisation).await?))
    }

    pub(super) async fn approve_request(
        &self,
        device: &Device,
        id: &str,
        approve: bool,
    ) -> Result<Response, StorageError> {
        match self.decide(Some(device), id, approve).await {
            Ok((_, issued)) => {
                let mut team = self.team(&device.organisation).await?;
                team.issued = issued;
                Ok(Response::Team(team))
            }
            Err(StorageError::NotFound(m)) => Ok(Response::refused(Code::NotFound, m)),
            Err(StorageError::Invalid(m)) => {
                self.audit_refusal(device, &format!("approve {id}: {m}"))
                    .await;
                Ok(Response::refused(Code::Forbidden, m))
            }
            Err(StorageError::Exists(m)) => Ok(Response::refused(Code::Exists, m)),
            Err(e) => Err(e),
        }
    }
}
