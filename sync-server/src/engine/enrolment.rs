//! Laptops coming in and proving who they are: one-time enrolment codes (hashed, expiring,
//! used once; a second coordinator's approval where the rule asks for it), enrolment, the
//! token check of every request, and a revoked laptop's last push of its unsent work.

use super::*;

impl<S: Storage> Engine<S> {
    /// Make a one-time enrolment code for `user`, valid for `hours`.
    pub async fn make_enrol_code(&self, user: &str, hours: u32) -> Result<String, StorageError> {
        Ok(self.issue_code(None, user, hours).await?.code)
    }

    /// A one-time code for `user`, valid for `hours`, made by an administrator (`by` none) or
    /// a coordinator's laptop; the server keeps only its hash. Logged.
    pub(super) async fn issue_code(
        &self,
        by: Option<&Device>,
        user: &str,
        hours: u32,
    ) -> Result<EnrolCode, StorageError> {
        let code = new_enrol_code();
        let expires = self.now() + i64::from(hours) * 3600;
        self.store
            .add_enrol_code(user, hash_secret(&normalise_code(&code)), expires)
            .await?;
        let detail = format!("code made for user {user}, valid {hours} h");
        self.audit("enrol_code", by, None, detail).await;
        let role = self
            .user(user)
            .await?
            .map(|(_, role)| role)
            .unwrap_or_default();
        Ok(EnrolCode {
            user: user.to_string(),
            role,
            code,
            expires_at: timestamp(expires),
            awaiting_approval: false,
        })
    }

    /// Ask a second coordinator to approve `action` on `subject`; logged.
    pub(super) async fn ask_approval(
        &self,
        by: &Device,
        action: &str,
        subject: &str,
        role: Option<&str>,
        expires_at: Option<i64>,
    ) -> Result<String, StorageError> {
        let mut id = [0u8; 8];
        os_random(&mut id);
        let id = hex::encode(id);
        self.store
            .add_approval(Approval {
                id: id.clone(),
                organisation: by.organisation.clone(),
                action: action.to_string(),
                subject: subject.to_string(),
                role: role.map(str::to_string),
                expires_at,
                requested_by: by.user.clone(),
                requested_device: by.device_id.clone(),
                requested_at: self.now(),
            })
            .await?;
        let detail = format!(
            "{action} {subject}{} waits for a second coordinator (approval {id})",
            role.map(|r| format!(" as {r}")).unwrap_or_default()
        );
        self.audit("approval_asked", Some(by), None, detail).await;
        Ok(id)
    }

    /// What waits for approval, of `org` when set.
    pub async fn approvals(&self, org: Option<&str>) -> Result<Vec<Approval>, StorageError> {
        self.store.approvals(org).await
    }

    /// Approve or decline approval `id`: a coordinator of its organisation other than the one
    /// who asked (`by`), or the administrator (`by` none). Approved, it is carried out: the
    /// person added, the code made usable, the laptop revoked. Logged.
    pub async fn decide(
        &self,
        by: Option<&Device>,
        id: &str,
        approve: bool,
    ) -> Result<(Approval, Option<EnrolCode>), StorageError> {
        let mut issued = None;
        let pending = self
            .store
            .approvals(by.map(|d| d.organisation.as_str()))
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| StorageError::NotFound(format!("no approval {id} waiting")))?;
        if let Some(d) = by {
            if approve && d.user == pending.requested_by {
                return Err(StorageError::Invalid(
                    "a second coordinator must approve what you asked for".into(),
                ));
            }
            // The person whose laptop is to be revoked decides nothing about it (a stolen
            // coordinator's laptop must not decline its own revocation).
            if pending.action == "revoke" {
                let subject = self.device(&pending.subject).await?;
                if subject.is_some_and(|s| s.user == d.user) {
                    return Err(StorageError::Invalid(
                        "another coordinator decides about revoking your laptop".into(),
                    ));
                }
            }
        }
        let Some(a) = self.store.take_approval(id).await? else {
            return Err(StorageError::NotFound(format!("no approval {id} waiting")));
        };
        if approve {
            match a.action.as_str() {
                "add_user" => {
                    let role = a.role.as_deref().unwrap_or_default();
                    self.store
                        .add_user(&a.organisation, &a.subject, role)
                        .await?;
                }
                "enrol_code" => {
                    // The code is made now and goes to the coordinator who approved.
                    let hours = a
                        .expires_at
                        .map(|e| ((e - a.requested_at) / 3600).clamp(1, 24 * 30) as u32)
                        .unwrap_or(24);
                    issued = Some(self.issue_code(by, &a.subject, hours).await?);
                }
                "revoke" => self.store.revoke(&a.subject, self.now()).await?,
                other => return Err(StorageError::Invalid(format!("unknown approval '{other}'"))),
            }
        }
        let verdict = if approve { "approved" } else { "declined" };
        let detail = format!(
            "{} {} (asked by {}) {verdict}{}",
            a.action,
            a.subject,
            a.requested_by,
            if by.is_none() {
                " by an administrator"
            } else {
                ""
            }
        );
        match by {
            Some(d) => self.audit(verdict, Some(d), None, detail).await,
            None => {
                let e = self.admin_event(verdict, None, Some(&a.organisation), None, detail);
                self.store.audit(e).await?;
            }
        }
        Ok((a, issued))
    }

    /// Enrol a device with a one-time code: returns its token (the server keeps only a hash).
    pub async fn enrol(&self, req: EnrolRequest) -> Result<EnrolReply, Refusal> {
        let name = req.device_name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(Refusal::new(
                Code::Malformed,
                "the device name is empty or too long",
            ));
        }
        let mut id = [0u8; 16];
        os_random(&mut id);
        let device_id = hex::encode(id);
        let mut secret = [0u8; 32];
        os_random(&mut secret);
        let token = hex::encode(secret);
        let code_hash = hash_secret(&normalise_code(&req.code));
        let public_key = match req.public_key.as_deref().map(hex::decode) {
            None => None,
            Some(Ok(k)) if k.len() == 32 => Some(<[u8; 32]>::try_from(k.as_slice()).expect("32")),
            Some(_) => {
                return Err(Refusal::new(
                    Code::Malformed,
                    "the public key is not 32 bytes of hex",
                ))
            }
        };
        let proof = match req.proof.as_deref().map(hex::decode) {
            None => None,
            Some(Ok(p)) if p.len() == 32 => Some(p),
            Some(_) => {
                return Err(Refusal::new(
                    Code::Malformed,
                    "the proof is not 32 bytes of hex",
                ))
            }
        };
        match self
            .store
            .enrol(
                code_hash,
                self.now(),
                NewDevice {
                    device_id: device_id.clone(),
                    name: name.to_string(),
                    token_hash: hash_secret(&token),
                    public_key,
                    proof,
                },
            )
            .await
        {
            Ok(d) => {
                self.audit("enrol", Some(&d), None, format!("device '{name}' enrolled"))
                    .await;
                Ok(EnrolReply {
                    device_id: d.device_id,
                    token,
                    organisation: d.organisation,
                    user: d.user,
                    role: d.role,
                })
            }
            Err(StorageError::Invalid(why)) => {
                self.audit("enrol_refused", None, None, why.clone()).await;
                Err(Refusal::new(Code::BadCode, why))
            }
            Err(e) => Err(Refusal::new(Code::ServerError, e.to_string())),
        }
    }

    /// The device a bearer token belongs to, or why it is refused. For a request from an
    /// address over its failure allowance (`blocked`), a valid token is served as ever;
    /// anything else is refused with `rate_limited` and writes nothing. A revoked laptop's
    /// refusal carries the laptop, for its last push ([`Engine::final_push`]).
    pub async fn authenticate(
        &self,
        token: Option<&str>,
        blocked: bool,
    ) -> Result<Device, AuthRefusal> {
        let slow_down = || {
            AuthRefusal::from(Refusal::new(
                Code::RateLimited,
                "too many failed attempts from this address: wait a minute and try again",
            ))
        };
        let Some(token) = token else {
            if blocked {
                return Err(slow_down());
            }
            self.audit("refused", None, None, "no device token".into())
                .await;
            return Err(Refusal::new(
                Code::Unauthorized,
                "no device token: enrol this device first",
            )
            .into());
        };
        match self.store.device_by_token(hash_secret(token)).await {
            Ok(Some(d)) if d.revoked_at.is_some() => {
                // A revoked laptop that keeps asking is logged at its request rate.
                if self.limits.device_request(&d.device_id) {
                    self.audit("refused", Some(&d), None, "revoked device".into())
                        .await;
                }
                Err(AuthRefusal {
                    refusal: Self::revoked(),
                    revoked: Some(d),
                })
            }
            Ok(Some(d)) => {
                let _ = self.store.touch_device(&d.device_id, self.now()).await;
                Ok(d)
            }
            Ok(None) if blocked => Err(slow_down()),
            Ok(None) => {
                self.audit("refused", None, None, "unknown device token".into())
                    .await;
                Err(Refusal::new(Code::Unauthorized, "unknown device token").into())
            }
            Err(e) => Err(Refusal::new(Code::ServerError, e.to_string()).into()),
        }
    }

    /// What a revoked laptop is told: refused, and to wipe its store.
    pub(super) fn revoked() -> Refusal {
        Refusal {
            code: Code::DeviceRevoked,
            message: "this device was revoked: its store must be wiped".into(),
            wipe: true,
        }
    }

    /// A revoked laptop's last push of what it had not sent, before it wipes its store: the
    /// documents are taken as any push's (same access checks), nothing is listed back, and
    /// the log says so. Its work is not lost with the wipe.
    pub async fn final_push(&self, device: &Device, p: Push) -> Response {
        // Once: within a few minutes of the first (a laptop with much unsent work sends it in
        // several batches), and at the laptop's request rate. A stolen laptop cannot keep
        // writing after its revocation.
        let now = self.now();
        let started = self
            .store
            .final_push_started(&device.device_id, now)
            .await
            .ok()
            .flatten();
        if started.is_none_or(|t| now - t > FINAL_PUSH_WINDOW_SECS)
            || !self.limits.device_request(&device.device_id)
        {
            return Response::Refused(Self::revoked());
        }
        let n = p.docs.len();
        let mut results = Vec::with_capacity(n);
        let mut applied = 0;
        for d in p.docs {
            let doc_id = d.doc_id.clone();
            // No new referral: it would open a document to another organisation.
            if d.kind == access::REFERRAL_KIND && d.base_heads.is_empty() {
                results.push(DocResult::refused(
                    doc_id,
                    Code::Forbidden,
                    "a revoked laptop cannot send a new referral",
                ));
                continue;
            }
            let outcome = self.push_or_refuse(device, d, &mut Vec::new()).await;
            if matches!(outcome, Outcome::Applied { .. }) {
                applied += 1;
            }
            results.push(DocResult { doc_id, outcome });
        }
        let detail =
            format!("revoked laptop's last push before its wipe: {applied} of {n} documents taken");
        self.audit("final_push", Some(device), None, detail).await;
        let (server_seq, generation) = match (
            self.store.current_seq().await,
            self.store.generation().await,
        ) {
            (Ok(s), Ok(g)) => (s, g),
            _ => (0, String::new()),
        };
        Response::Push(PushReply {
            results,
            changed: Vec::new(),
            next_cursor: p.cursor,
            more: false,
            server_seq,
            generation,
            directory: String::new(),
            keys: String::new(),
            compact: Vec::new(),
            rule_book: 0,
        })
    }
}
