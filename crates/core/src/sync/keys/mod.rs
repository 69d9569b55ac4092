//! The laptop's side of the blind server's keys (protocol 6, `docs/e2e.md`): its key pair, the
//! scope keys it receives or starts, the document keys it makes and unwraps, and giving keys
//! to a new laptop of the organisation once a person compared its check code.

use punkt_e2e::{Endorsee, KeyPair, SecretKey};
use punkt_sync::access::{self, ORG_SCOPE};
use punkt_sync::wire::{
    Code, KeyGrant, KeysReply, LegacyDoc, PutKeys, ScopeEpoch, SharedKey, WaitingDevice, WrappedKey,
};
use punkt_sync::{Request, Response};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::sync::{SyncSummary, Transport};
use crate::Punkt;

mod split_codes;

/// The tag of the last `Keys` answer this laptop acted on, and of the last one a push answer
/// announced: a keys round is needed when they differ.
pub(crate) const META_KEYS_TAG: &str = "e2e_keys_tag";
pub(crate) const META_SERVER_KEYS_TAG: &str = "e2e_server_keys_tag";

/// A laptop of the organisation waiting for keys, as the Team card and `punkt team` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitingLaptop {
    pub device_id: String,
    pub name: String,
    pub user: String,
    pub role: String,
    /// The six digits its key gives. Never shown or printed: the person giving keys must
    /// read them off the other laptop and type them ([`Punkt::give_keys`] compares).
    #[serde(skip)]
    pub check_code: String,
    pub missing: Vec<String>,
}

/// This laptop's check code and the laptops waiting for keys it holds (the Team card).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeysWaiting {
    pub check_code: String,
    pub waiting: Vec<WaitingLaptop>,
    /// This organisation's keys and every other one's as trusted here, to compare by phone.
    pub org_keys: Vec<crate::org_keys::TrustedOrgKey>,
}

impl From<&WaitingDevice> for WaitingLaptop {
    fn from(w: &WaitingDevice) -> Self {
        let pk: [u8; 32] = w.public_key.as_slice().try_into().unwrap_or([0; 32]);
        WaitingLaptop {
            device_id: w.device_id.clone(),
            name: w.name.clone(),
            user: w.user.clone(),
            role: w.role.clone(),
            check_code: punkt_e2e::check_code(&pk),
            missing: w.missing.clone(),
        }
    }
}

pub(crate) fn e2e(e: punkt_e2e::E2eError) -> CoreError {
    CoreError::Sync(format!("end-to-end keys: {e}"))
}

/// Keys rounds a rotation's rewrapping may take in one sync (500 documents each).
const MAX_REWRAP_ROUNDS: usize = 200;

/// Scope key `key` (epoch `epoch` of `org`'s `scope`) sealed to device `device_id` with
/// `public`, with the giver's endorsement of that device and key.
fn grant_for(
    org: &str,
    scope: &str,
    epoch: u32,
    key: &SecretKey,
    device_id: &str,
    public: &[u8; 32],
) -> Result<KeyGrant> {
    let aad = punkt_e2e::grant_context(org, scope, epoch, device_id);
    Ok(KeyGrant {
        device_id: device_id.to_string(),
        scope: scope.to_string(),
        epoch,
        sealed: punkt_e2e::seal_key_to(public, &aad, key)
            .map_err(e2e)?
            .into(),
        endorsement: punkt_e2e::endorse(
            key,
            &Endorsee {
                organisation: org,
                scope,
                epoch,
                device_id,
                public,
            },
        )
        .to_vec()
        .into(),
    })
}

impl Punkt {
    /// This laptop's key pair, made (and kept in the encrypted store) on first use.
    pub(crate) fn device_pair(&self) -> Result<KeyPair> {
        if let Some(secret) = self.store.device_secret()? {
            return KeyPair::from_secret_bytes(secret.as_ref()).map_err(e2e);
        }
        let pair = KeyPair::generate();
        self.store.set_device_secret(&pair.secret_bytes())?;
        Ok(pair)
    }

    /// The six digits a coordinator compares before giving this laptop its keys.
    pub fn check_code(&self) -> Result<String> {
        Ok(punkt_e2e::check_code(self.device_pair()?.public()))
    }

    fn device_id(&self) -> Result<String> {
        Ok(self.enrolment()?.ok_or(CoreError::NotEnrolled)?.device_id)
    }

    /// One round that gives the server keys (only the parts of `put` set).
    fn put_keys(
        &self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        put: PutKeys,
    ) -> Result<KeysReply> {
        self.keys_round(t, summary, &Request::PutKeys(put))
    }

    fn keys_round(
        &self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        req: &Request,
    ) -> Result<KeysReply> {
        match self.round(t, summary, req)? {
            Response::Keys(k) => Ok(k),
            _ => Err(CoreError::Sync(
                "the server answered a keys request with something else".into(),
            )),
        }
    }

    /// The keys step of a sync: register this laptop's public key if the server lacks it,
    /// start the first epoch of each scope this role may hold that has none (the first laptop
    /// of an organisation, or of a role), open the scope keys given to it, and note every
    /// organisation's public key. Returns the laptops waiting for keys this one could give,
    /// and the documents a protocol 5 server still holds in clear that this laptop should
    /// replace.
    pub(crate) fn sync_keys(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
    ) -> Result<(Vec<WaitingLaptop>, Vec<LegacyDoc>)> {
        let org = self.organisation().to_string();
        let device_id = self.device_id()?;
        let role = self.role()?.unwrap_or_default();
        let pair = self.device_pair()?;
        let mut reply = self.keys_round(t, summary, &Request::Keys)?;
        let mut put = PutKeys {
            public_key: (!reply.registered).then(|| pair.public().to_vec().into()),
            ..PutKeys::default()
        };
        // The first epoch of a scope no laptop started yet; the next one of a scope the server
        // asks to rotate (a laptop holding it was revoked, erased files were purged), when
        // this laptop holds the newest.
        let mut started = Vec::new();
        for scope in access::scopes_for_role(&role) {
            let newest = epochs_of(&reply, &org, &scope).max();
            let epoch = match newest {
                None => 1,
                Some(n)
                    if reply.rotate.contains(&scope)
                        && self.store.scope_key(&org, &scope, n)?.is_some() =>
                {
                    n + 1
                }
                Some(_) => continue,
            };
            let key = SecretKey::random();
            let public_key = (scope == ORG_SCOPE)
                .then(|| KeyPair::of_organisation(&key).public().to_vec().into());
            put.grants.push(grant_for(
                &org,
                &scope,
                epoch,
                &key,
                &device_id,
                pair.public(),
            )?);
            put.new_epochs.push(ScopeEpoch {
                org: org.clone(),
                scope: scope.clone(),
                epoch,
                public_key,
            });
            started.push((scope, epoch, key));
        }
        if put.public_key.is_some() || !put.new_epochs.is_empty() {
            match self.keys_round(t, summary, &Request::PutKeys(put)) {
                Ok(r) => {
                    for (scope, epoch, key) in &started {
                        self.store
                            .put_scope_key(&org, scope, *epoch, key.as_bytes())?;
                    }
                    summary.keys_rotated +=
                        started.iter().filter(|(_, e, _)| *e > 1).count() as u64;
                    reply = r;
                }
                // Another laptop started the same epoch at the same moment (or rotated first):
                // take its key when it is given to this one.
                Err(CoreError::SyncRefused { code, .. })
                    if code == Code::Exists || code == Code::Forbidden =>
                {
                    reply = self.keys_round(t, summary, &Request::Keys)?;
                }
                Err(e) => return Err(e),
            }
        }
        for g in &reply.grants {
            if self.store.scope_key(&org, &g.scope, g.epoch)?.is_some() {
                continue;
            }
            let aad = punkt_e2e::grant_context(&org, &g.scope, g.epoch, &device_id);
            match punkt_e2e::open_key_sealed(&pair, &aad, &g.sealed) {
                Ok(key) => self
                    .store
                    .put_scope_key(&org, &g.scope, g.epoch, key.as_bytes())?,
                Err(e) => summary.refused.push(crate::sync::RefusedDocument {
                    doc_id: String::new(),
                    code: "bad_key".into(),
                    message: format!("a key given for {} does not open here: {e}", g.scope),
                }),
            }
        }
        // Organisations' keys: this one's published, every other one's followed (before a
        // rotation's older epoch is forgotten here: it signs the newer one).
        reply = self.follow_org_keys(t, summary, reply)?;
        // Laptops that proved a split code of this organisation get their keys now, without
        // a person comparing check codes; so do laptops a colleague vouched for under an
        // earlier epoch (a rotation).
        let proven = self.proven_grants(&reply.waiting)?;
        summary.keys_given += proven
            .iter()
            .map(|g| g.device_id.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64;
        let mut give = self.endorsed_grants(&reply.waiting, &proven)?;
        give.extend(proven);
        if !give.is_empty() {
            reply = self.put_keys(
                t,
                summary,
                PutKeys {
                    grants: give,
                    ..PutKeys::default()
                },
            )?;
        }
        // Documents another organisation was given access to: seal their keys to it, to the
        // key trusted here (not the one the server names).
        let mut shared = Vec::new();
        for r in &reply.to_share {
            let (Some(key), Some((epoch, pk))) =
                (self.store.doc_key(&r.doc_id)?, self.org_key_for(&r.org)?)
            else {
                continue;
            };
            let key = SecretKey::from_bytes(key.as_ref()).map_err(e2e)?;
            let aad = punkt_e2e::referral_context(&r.doc_id, &r.org, epoch);
            shared.push(SharedKey {
                doc_id: r.doc_id.clone(),
                key: WrappedKey {
                    org: r.org.clone(),
                    scope: ORG_SCOPE.to_string(),
                    epoch,
                    sealed_to_org: true,
                    wrapped: punkt_e2e::seal_key_to(&pk, &aad, &key).map_err(e2e)?.into(),
                },
            });
        }
        if !shared.is_empty() {
            reply = self.put_keys(
                t,
                summary,
                PutKeys {
                    shared,
                    ..PutKeys::default()
                },
            )?;
        }
        // A rotation: document keys wrapped only under older epochs, wrapped under the newest
        // (a page per round, until none is left or none of those listed opens here).
        for _ in 0..MAX_REWRAP_ROUNDS {
            let rewrapped = self.rewrap(&reply.rewrap)?;
            if rewrapped.is_empty() {
                break;
            }
            summary.keys_rewrapped += rewrapped.len() as u64;
            reply = self.put_keys(
                t,
                summary,
                PutKeys {
                    rewrapped,
                    ..PutKeys::default()
                },
            )?;
        }
        // Epochs the server retired after a rotation: forgotten here, so that nothing this
        // laptop holds opens what a backup made before keeps under them.
        for scope in access::scopes_for_role(&role) {
            let oldest = epochs_of(&reply, &org, &scope).min();
            if let Some(oldest) = oldest {
                self.store
                    .forget_scope_epochs_before(&org, &scope, oldest)?;
            }
        }
        self.store
            .set_meta(META_KEYS_TAG, &punkt_sync::wire::keys_tag(&reply))?;
        Ok((
            reply.waiting.iter().map(WaitingLaptop::from).collect(),
            reply.legacy,
        ))
    }

    /// Only the keys step of a sync (`punkt team keys` runs it first, to see who waits).
    pub fn exchange_keys(&mut self, t: &mut dyn Transport) -> Result<Vec<WaitingLaptop>> {
        Ok(self.sync_keys(t, &mut SyncSummary::default())?.0)
    }

    /// [`Punkt::exchange_keys`] with this laptop's check code, for the Team card.
    pub fn keys_waiting(&mut self, t: &mut dyn Transport) -> Result<KeysWaiting> {
        Ok(KeysWaiting {
            waiting: self.exchange_keys(t)?,
            check_code: self.check_code()?,
            org_keys: self.trusted_org_keys()?,
        })
    }

    /// Whether this laptop holds its organisation's key (without it, it cannot open or send
    /// any file).
    pub fn holds_org_key(&self) -> Result<bool> {
        Ok(self
            .store
            .newest_scope_key(self.organisation(), ORG_SCOPE)?
            .is_some())
    }

    /// Give this laptop's scope keys to laptop `device_id` of the organisation, after a person
    /// compared `check_code` with the one that laptop shows. Returns the scopes given.
    pub fn give_keys(
        &mut self,
        t: &mut dyn Transport,
        device_id: &str,
        check_code: &str,
    ) -> Result<Vec<String>> {
        let mut summary = SyncSummary::default();
        let reply = self.keys_round(t, &mut summary, &Request::Keys)?;
        let Some(w) = reply.waiting.iter().find(|w| w.device_id == device_id) else {
            return Err(CoreError::Invalid(format!(
                "laptop {device_id} is not waiting for keys this laptop holds"
            )));
        };
        let shown = WaitingLaptop::from(w).check_code;
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        if digits(&shown) != digits(check_code) {
            return Err(CoreError::CheckCodeMismatch(
                "the check code does not match the laptop's key: no keys were given. Read it \
                 again off that laptop; if it still differs, revoke the laptop"
                    .into(),
            ));
        }
        let pk: [u8; 32] = w
            .public_key
            .as_slice()
            .try_into()
            .map_err(|_| CoreError::Sync("a public key of the wrong length".into()))?;
        let grants = self.newest_grants(device_id, &pk, &w.missing)?;
        let given: Vec<String> = grants.iter().map(|g| g.scope.clone()).collect();
        self.put_keys(
            t,
            &mut summary,
            PutKeys {
                grants,
                ..PutKeys::default()
            },
        )?;
        Ok(given)
    }

    /// Grants of the newest epoch this laptop holds of each of `scopes`, sealed to device
    /// `device_id` with `public`, each with this laptop's endorsement.
    fn newest_grants(
        &self,
        device_id: &str,
        public: &[u8; 32],
        scopes: &[String],
    ) -> Result<Vec<KeyGrant>> {
        let org = self.organisation().to_string();
        let mut grants = Vec::new();
        for scope in scopes {
            let Some((epoch, key)) = self.store.newest_scope_key(&org, scope)? else {
                continue;
            };
            let key = SecretKey::from_bytes(key.as_ref()).map_err(e2e)?;
            grants.push(grant_for(&org, scope, epoch, &key, device_id, public)?);
        }
        Ok(grants)
    }

    /// Grants for waiting laptops (not already in `proven`) that hold an endorsement, under
    /// an epoch this laptop holds, of each scope they miss: the newest of those scopes.
    fn endorsed_grants(
        &self,
        waiting: &[WaitingDevice],
        proven: &[KeyGrant],
    ) -> Result<Vec<KeyGrant>> {
        let org = self.organisation().to_string();
        let mut grants = Vec::new();
        for w in waiting {
            if proven.iter().any(|g| g.device_id == w.device_id) {
                continue;
            }
            let Ok(pk) = <[u8; 32]>::try_from(w.public_key.as_slice()) else {
                continue;
            };
            let mut vouched = Vec::new();
            for scope in &w.missing {
                for e in w.endorsements.iter().filter(|e| e.scope == *scope) {
                    let Some(key) = self.store.scope_key(&org, scope, e.epoch)? else {
                        continue;
                    };
                    let key = SecretKey::from_bytes(key.as_ref()).map_err(e2e)?;
                    let who = Endorsee {
                        organisation: &org,
                        scope,
                        epoch: e.epoch,
                        device_id: &w.device_id,
                        public: &pk,
                    };
                    if punkt_e2e::verify_endorsement(&key, &who, &e.mac) {
                        vouched.push(scope.clone());
                        break;
                    }
                }
            }
            grants.extend(self.newest_grants(&w.device_id, &pk, &vouched)?);
        }
        Ok(grants)
    }

    /// Document keys listed to rewrap, opened with the older epoch they are under and wrapped
    /// under the newest epoch of their scope. Those that do not open here are left out.
    fn rewrap(&self, stale: &[SharedKey]) -> Result<Vec<SharedKey>> {
        let org = self.organisation().to_string();
        let mut out = Vec::new();
        for sk in stale {
            let Some(doc_key) = self.open_wrap(&sk.doc_id, &sk.key)? else {
                continue;
            };
            let scope = &sk.key.scope;
            let Some((epoch, newest)) = self.store.newest_scope_key(&org, scope)? else {
                continue;
            };
            if epoch <= sk.key.epoch {
                continue;
            }
            let newest = SecretKey::from_bytes(newest.as_ref()).map_err(e2e)?;
            out.push(SharedKey {
                doc_id: sk.doc_id.clone(),
                key: WrappedKey {
                    org: org.clone(),
                    scope: scope.clone(),
                    epoch,
                    sealed_to_org: false,
                    wrapped: punkt_e2e::wrap_doc_key(&newest, &sk.doc_id, scope, epoch, &doc_key)
                        .into(),
                },
            });
        }
        Ok(out)
    }

    /// The document key in wrap `w` (for this laptop's organisation), if this laptop holds the
    /// epoch it is under and it opens.
    fn open_wrap(&self, doc_id: &str, w: &WrappedKey) -> Result<Option<SecretKey>> {
        let org = self.organisation();
        if w.org != org {
            return Ok(None);
        }
        let Some(scope_key) = self.store.scope_key(org, &w.scope, w.epoch)? else {
            return Ok(None);
        };
        let scope_key = SecretKey::from_bytes(scope_key.as_ref()).map_err(e2e)?;
        let key = if w.sealed_to_org {
            let pair = KeyPair::of_organisation(&scope_key);
            punkt_e2e::open_key_sealed(
                &pair,
                &punkt_e2e::referral_context(doc_id, org, w.epoch),
                &w.wrapped,
            )
        } else {
            punkt_e2e::unwrap_doc_key(&scope_key, doc_id, &w.scope, w.epoch, &w.wrapped)
        };
        Ok(key.ok())
    }

    /// The key of document `id` (made now if it has none yet) and, when the server may not
    /// have it (`new_on_server`), its wraps: under the newest epoch of its scope, and for a
    /// new referral sealed to the receiving organisation. `None` when this laptop lacks a key
    /// it needs (its scope's, or the receiving organisation's public key).
    pub(crate) fn doc_key_for_push(
        &self,
        id: &str,
        kind: &str,
        new_on_server: bool,
        referral_to: Option<&str>,
    ) -> Result<Option<(SecretKey, Vec<WrappedKey>)>> {
        let org = self.organisation().to_string();
        let doc_key = match self.store.doc_key(id)? {
            Some(k) => SecretKey::from_bytes(k.as_ref()).map_err(e2e)?,
            None => {
                let k = SecretKey::random();
                self.store.put_doc_key(id, k.as_bytes())?;
                k
            }
        };
        if !new_on_server {
            return Ok(Some((doc_key, Vec::new())));
        }
        let scope = access::key_scope(kind);
        let Some((epoch, scope_key)) = self.store.newest_scope_key(&org, scope)? else {
            return Ok(None);
        };
        let scope_key = SecretKey::from_bytes(scope_key.as_ref()).map_err(e2e)?;
        let mut keys = vec![WrappedKey {
            org: org.clone(),
            scope: scope.to_string(),
            epoch,
            sealed_to_org: false,
            wrapped: punkt_e2e::wrap_doc_key(&scope_key, id, scope, epoch, &doc_key).into(),
        }];
        if let Some(to) = referral_to {
            let Some((epoch, pk)) = self.org_key_for(to)? else {
                return Ok(None);
            };
            let aad = punkt_e2e::referral_context(id, to, epoch);
            keys.push(WrappedKey {
                org: to.to_string(),
                scope: ORG_SCOPE.to_string(),
                epoch,
                sealed_to_org: true,
                wrapped: punkt_e2e::seal_key_to(&pk, &aad, &doc_key)
                    .map_err(e2e)?
                    .into(),
            });
        }
        Ok(Some((doc_key, keys)))
    }

    /// The key of pulled document `id`: kept here, or unwrapped from `wraps` (then `true`:
    /// the caller keeps it, with the others of the page in one transaction).
    pub(crate) fn doc_key_from(
        &self,
        id: &str,
        kind: &str,
        wraps: &[WrappedKey],
    ) -> Result<Option<(SecretKey, bool)>> {
        if let Some(k) = self.store.doc_key(id)? {
            return Ok(Some((
                SecretKey::from_bytes(k.as_ref()).map_err(e2e)?,
                false,
            )));
        }
        let scope = access::key_scope(kind);
        for w in wraps.iter().filter(|w| w.sealed_to_org || w.scope == scope) {
            if let Some(key) = self.open_wrap(id, w)? {
                return Ok(Some((key, true)));
            }
        }
        Ok(None)
    }
}

/// The epochs the server lists of `org`'s keys of `scope`.
fn epochs_of<'a>(
    reply: &'a KeysReply,
    org: &'a str,
    scope: &'a str,
) -> impl Iterator<Item = u32> + 'a {
    (reply.epochs.iter())
        .filter(move |e| e.org == org && e.scope == scope)
        .map(|e| e.epoch)
}
