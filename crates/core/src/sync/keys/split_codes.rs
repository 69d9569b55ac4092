//! Split enrolment codes: a part the server never sees, a sealed record of both parts for the
//! organisation's laptops, and the new laptop's proof, so keys can be given without a person
//! comparing check codes.

use super::*;

/// What a split code's sealed record holds (`punkt_e2e::seal_code_record`).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CodeRecordPlain {
    pub(super) server_part: String,
    pub(super) secret_part: String,
    pub(super) user: String,
    pub(super) role: String,
}

/// The hash the server keeps of a code's server part (`punkt-sync-server`'s `hash_secret`).
pub(super) fn code_hash(server_part: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(server_part.as_bytes()).into()
}

impl Punkt {
    /// Split a code the server made (`code.code`, its 12 characters) by adding a secret part
    /// that never reaches the server: its record (both parts, the person and role) goes to
    /// the server sealed under the organisation's key, so that any laptop of the organisation
    /// can check the new laptop's proof and give it keys without a person comparing check
    /// codes. A laptop without the organisation's key leaves the code as it is (the new laptop
    /// then waits for its check code to be compared). Returns the code to show: 20
    /// characters in groups of four.
    pub(crate) fn split_enrol_code(
        &self,
        t: &mut dyn Transport,
        mut code: punkt_sync::wire::EnrolCode,
    ) -> Result<punkt_sync::wire::EnrolCode> {
        if code.awaiting_approval || code.code.is_empty() {
            return Ok(code);
        }
        let org = self.organisation().to_string();
        let Some((epoch, org_key)) = self.store.newest_scope_key(&org, ORG_SCOPE)? else {
            return Ok(code);
        };
        let org_key = SecretKey::from_bytes(org_key.as_ref()).map_err(e2e)?;
        let server_part = punkt_e2e::split_code(&code.code).map_err(e2e)?.server_part;
        let secret_part = punkt_e2e::new_secret_part();
        let record = serde_json::to_vec(&CodeRecordPlain {
            server_part: server_part.clone(),
            secret_part: secret_part.clone(),
            user: code.user.clone(),
            role: code.role.clone(),
        })
        .expect("serialises");
        let hash = code_hash(&server_part);
        let sealed = punkt_e2e::seal_code_record(&org_key, &org, epoch, &hash, &record);
        self.keys_round(
            t,
            &mut SyncSummary::default(),
            &Request::PutKeys(PutKeys {
                code_records: vec![punkt_sync::wire::CodeRecord {
                    code_hash: punkt_sync::Hash(hash),
                    epoch,
                    sealed: sealed.into(),
                }],
                ..PutKeys::default()
            }),
        )?;
        code.code = punkt_e2e::display_code(&server_part, &secret_part);
        Ok(code)
    }

    /// The waiting laptops that proved a split code of this organisation: their record opens
    /// with the organisation's key, names the person and role the server gives them, and
    /// their proof is right for their public key. Grants of the scopes each misses.
    pub(super) fn proven_grants(&self, waiting: &[WaitingDevice]) -> Result<Vec<KeyGrant>> {
        let org = self.organisation().to_string();
        let mut grants = Vec::new();
        for w in waiting {
            let (Some(rec), Some(proof)) = (&w.code_record, &w.proof) else {
                continue;
            };
            let Some(org_key) = self.store.scope_key(&org, ORG_SCOPE, rec.epoch)? else {
                continue;
            };
            let org_key = SecretKey::from_bytes(org_key.as_ref()).map_err(e2e)?;
            let Ok(plain) = punkt_e2e::open_code_record(
                &org_key,
                &org,
                rec.epoch,
                &rec.code_hash.0,
                &rec.sealed,
            ) else {
                continue;
            };
            let Ok(record) = serde_json::from_slice::<CodeRecordPlain>(&plain) else {
                continue;
            };
            // The server says who the laptop is; the record says whom the code was for.
            if record.user != w.user || record.role != w.role {
                continue;
            }
            let Ok(pk) = <[u8; 32]>::try_from(w.public_key.as_slice()) else {
                continue;
            };
            let split = punkt_e2e::SplitCode {
                server_part: record.server_part,
                secret_part: Some(record.secret_part),
            };
            if !punkt_e2e::verify_enrolment_mac(&split, &pk, proof) {
                continue;
            }
            grants.extend(self.newest_grants(&w.device_id, &pk, &w.missing)?);
        }
        Ok(grants)
    }
}
