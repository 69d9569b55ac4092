//! Enrolment of this laptop with a server, what it stored, and the sync status shown.

use super::*;

impl Punkt {
    /// Enrol this store's device with a sync server using a one-time code from a coordinator.
    /// The device token is kept only inside the encrypted store.
    pub fn enroll(
        &mut self,
        server: &str,
        code: &str,
        device_name: &str,
        ca_cert: Option<&Path>,
    ) -> Result<Enrolment> {
        let server = server.trim().trim_end_matches('/').to_string();
        check_server_url(&server)?;
        // Only the part of the code the server knows leaves this laptop; with it goes the
        // public key its organisation's keys will be sealed to.
        let split = punkt_e2e::split_code(code).map_err(|_| {
            CoreError::Invalid(
                "an enrolment code has 12 characters (20 when a coordinator's laptop made it)"
                    .into(),
            )
        })?;
        let pair = self.device_pair()?;
        let public_key = hex::encode(pair.public());
        // A coordinator's split code: proof of the part the server never sees, so that the
        // organisation's laptops give this one its keys without comparing check codes.
        let proof = match split.secret_part {
            Some(_) => Some(hex::encode(
                punkt_e2e::enrolment_mac(&split, pair.public())
                    .map_err(|e| CoreError::Invalid(e.to_string()))?,
            )),
            None => None,
        };
        let body = serde_json::json!({
            "code": split.server_part,
            "device_name": device_name,
            "public_key": public_key,
            "proof": proof,
        })
        .to_string();
        let mut resp = agent(ca_cert, Duration::from_secs(30))?
            .post(&format!("{server}/v1/enroll"))
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
            .map_err(|e| CoreError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| CoreError::Unreachable(e.to_string()))?;
        if status != 200 {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            return Err(CoreError::SyncRefused {
                code: Code::from(v["code"].as_str().unwrap_or("bad_code")),
                message: v["message"]
                    .as_str()
                    .unwrap_or("enrolment refused")
                    .to_string(),
                wipe: false,
            });
        }
        let reply: EnrolReply = serde_json::from_str(&text)
            .map_err(|e| CoreError::Sync(format!("unexpected enrolment answer: {e}")))?;
        if reply.organisation != self.organisation() {
            if self.store.count_clients()? > 0 {
                return Err(CoreError::Invalid(format!(
                    "this store holds files of '{}' but the code enrols a device of '{}'",
                    self.organisation(),
                    reply.organisation
                )));
            }
            self.store.set_organisation(&reply.organisation)?;
        }
        let enrolment = Enrolment {
            server,
            device_id: reply.device_id,
            organisation: reply.organisation,
            user: reply.user,
            role: reply.role,
        };
        self.store.set_meta(
            META_ENROLMENT,
            &serde_json::to_string(&enrolment).expect("serialises"),
        )?;
        self.store.set_meta(META_TOKEN, &reply.token)?;
        // A new server (or a new enrolment) has confirmed nothing yet: send everything. Its
        // key epochs are its own: scope keys of another enrolment are forgotten.
        self.store.forget_scope_keys()?;
        self.store.delete_meta(META_CURSOR)?;
        self.store.delete_meta(META_GENERATION)?;
        self.store.reset_sync_state()?;
        Ok(enrolment)
    }

    pub fn enrolment(&self) -> Result<Option<Enrolment>> {
        Ok(match self.store.meta_value(META_ENROLMENT)? {
            Some(s) => Some(
                serde_json::from_str(&s)
                    .map_err(|e| CoreError::Sync(format!("damaged enrolment record: {e}")))?,
            ),
            None => None,
        })
    }

    /// An HTTP transport to the enrolled server.
    pub fn transport(&self, ca_cert: Option<&Path>) -> Result<HttpTransport> {
        let e = self.enrolment()?.ok_or(CoreError::NotEnrolled)?;
        let token = self
            .store
            .meta_value(META_TOKEN)?
            .ok_or(CoreError::NotEnrolled)?;
        HttpTransport::new(&e.server, &token, ca_cert)
    }

    /// An HTTP transport to `server` with this device's token (a server that moved).
    pub fn transport_to(&self, server: &str, ca_cert: Option<&Path>) -> Result<HttpTransport> {
        check_server_url(server)?;
        let token = self
            .store
            .meta_value(META_TOKEN)?
            .ok_or(CoreError::NotEnrolled)?;
        HttpTransport::new(server, &token, ca_cert)
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(SyncStatus {
            enrolment: self.enrolment()?,
            pending_documents: self.store.count_pending()?,
            cursor: self.cursor()?,
            last_sync: self
                .store
                .meta_value(META_LAST)?
                .and_then(|s| serde_json::from_str(&s).ok()),
            check_code: match self.enrolment()? {
                Some(_) => Some(self.check_code()?),
                None => None,
            },
            holds_keys: self.holds_org_key()?,
        })
    }

    /// When the last sync that reached its end finished (none before the first).
    pub fn last_sync_at(&self) -> Result<Option<String>> {
        let last = self.store.meta_value(META_LAST)?;
        Ok(last.and_then(|s| {
            serde_json::from_str::<serde_json::Value>(&s)
                .ok()?
                .get("finished_at")?
                .as_str()
                .map(str::to_string)
        }))
    }

    pub(super) fn cursor(&self) -> Result<u64> {
        Ok(self
            .store
            .meta_value(META_CURSOR)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }
}
