//! Organisations' public keys, which referrals and shared files are sealed to, followed
//! without trusting the server (`docs/e2e.md`, "Organisations' keys").
//!
//! Each epoch of an organisation's key derives an X25519 key pair (what referrals are sealed
//! to) and an Ed25519 signing key; its laptops publish both through the server, the next
//! epoch's signed by the previous one (a *link*). A laptop of another organisation trusts the
//! first keys it sees of an organisation (or the fingerprint two coordinators compared, shown
//! on the Team card) and from then on follows its rotations link by link: a key the server
//! made up, swapped or skipped to is refused (`SyncSummary::org_keys_refused`), and nothing is sealed to that
//! organisation until it is listed right. This laptop's own organisation's keys must be the
//! ones its org key derives.
//!
//! Organisations none of whose laptops published keys yet (a deployment moving to this
//! version) fall back to what the server lists, each epoch's key kept as first seen.

use std::collections::{BTreeMap, BTreeSet};

use punkt_e2e::{KeyPair, OrgEpochKeys, OrgSigner, SecretKey};
use punkt_sync::access::ORG_SCOPE;
use punkt_sync::wire::{Code, KeysReply, OrgKeys, PutKeys, MAX_ORG_KEYS_PAGE};
use punkt_sync::{Request, Response};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::sync::{SyncSummary, Transport};
use crate::Punkt;

/// Every organisation's key referrals are sealed to now (organisation → [`OrgKey`]).
const META_ORG_KEYS: &str = "e2e_org_keys";
/// Organisations that never published keys: each epoch's public key as first seen here
/// ("org/epoch" → hex).
const META_ORG_KEYS_SEEN: &str = "e2e_org_keys_seen";
/// Every other organisation's newest epoch this laptop verified (organisation → [`Pin`]).
const META_ORG_PINS: &str = "e2e_org_pins";
/// The signing key of every epoch of another organisation this laptop verified, kept after
/// the pin moves on ("org/epoch" → hex): what a rule book signed in an earlier epoch is
/// checked with.
const META_ORG_SIGNERS: &str = "e2e_org_signers";

/// An organisation's public key of one epoch, which referrals are sealed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct OrgKey {
    pub epoch: u32,
    pub public_key: String,
}

/// The newest epoch of an organisation's keys this laptop verified (hex).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pin {
    epoch: u32,
    public_key: String,
    signing_key: String,
}

impl Pin {
    fn of(k: &OrgKeys) -> Pin {
        Pin {
            epoch: k.epoch,
            public_key: hex::encode(&k.public_key),
            signing_key: hex::encode(&k.signing_key),
        }
    }

    fn same(&self, k: &OrgKeys) -> bool {
        *self == Pin::of(k)
    }

    fn keys_of<'a>(
        &self,
        org: &'a str,
        public: &'a mut [u8; 32],
        signing: &'a mut [u8; 32],
    ) -> OrgEpochKeys<'a> {
        hex::decode_to_slice(&self.public_key, public).unwrap_or_default();
        hex::decode_to_slice(&self.signing_key, signing).unwrap_or_default();
        OrgEpochKeys {
            organisation: org,
            epoch: self.epoch,
            public,
            signing,
        }
    }
}

/// An organisation's keys as this laptop trusts them, for coordinators to compare by phone
/// (the Team card; `punkt team keys`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrustedOrgKey {
    pub organisation: String,
    pub epoch: u32,
    /// 32 hexadecimal digits in groups of four (`punkt_e2e::org_fingerprint`).
    pub fingerprint: String,
    /// This laptop's own organisation (its keys derived here, not trusted).
    pub own: bool,
}

fn as_key(b: &[u8]) -> Option<[u8; 32]> {
    b.try_into().ok()
}

fn epoch_keys<'a>(k: &'a OrgKeys, public: &'a [u8; 32], signing: &'a [u8; 32]) -> OrgEpochKeys<'a> {
    OrgEpochKeys {
        organisation: &k.org,
        epoch: k.epoch,
        public,
        signing,
    }
}

/// Whether `next` follows `pin`: the next epoch, signed by the pinned epoch's signing key.
fn follows(org: &str, pin: &Pin, next: &OrgKeys) -> bool {
    let (Some(public), Some(signing)) = (as_key(&next.public_key), as_key(&next.signing_key))
    else {
        return false;
    };
    let (mut p, mut s) = ([0u8; 32], [0u8; 32]);
    let previous = pin.keys_of(org, &mut p, &mut s);
    next.epoch == pin.epoch + 1
        && punkt_e2e::verify_link(
            previous.signing,
            &epoch_keys(next, &public, &signing),
            &next.link,
        )
}

/// Keys of an organisation the server lists that this laptop refused (`SyncSummary`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrgKeyRefused {
    pub organisation: String,
    pub epoch: u32,
    /// Why, in English, for logs and `punkt sync`.
    pub message: String,
}

fn changed(summary: &mut SyncSummary, org: &str, epoch: u32, why: &str) {
    let refused = OrgKeyRefused {
        organisation: org.to_string(),
        epoch,
        message: format!(
            "the server lists keys of {org} (epoch {epoch}) that {why}: referrals to it wait; \
             tell the coordinators"
        ),
    };
    if !summary.org_keys_refused.contains(&refused) {
        summary.org_keys_refused.push(refused);
    }
}

impl Punkt {
    fn meta_map<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<BTreeMap<String, T>> {
        Ok(self
            .store
            .meta_value(key)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    fn set_meta_map<T: Serialize>(&self, key: &str, map: &BTreeMap<String, T>) -> Result<()> {
        self.store
            .set_meta(key, &serde_json::to_string(map).expect("serialises"))?;
        Ok(())
    }

    /// The key referrals to `org` are sealed to now, if this laptop trusts one.
    pub(crate) fn org_key_for(&self, org: &str) -> Result<Option<(u32, [u8; 32])>> {
        let keys: BTreeMap<String, OrgKey> = self.meta_map(META_ORG_KEYS)?;
        Ok(keys.get(org).and_then(|k| {
            let mut pk = [0u8; 32];
            hex::decode_to_slice(&k.public_key, &mut pk).ok()?;
            Some((k.epoch, pk))
        }))
    }

    /// The signing key `org` had in `epoch`, as this laptop knows it: derived here for its
    /// own organisation, verified along the chain for another.
    pub(crate) fn org_signing_key(&self, org: &str, epoch: u32) -> Result<Option<[u8; 32]>> {
        if org == self.organisation() {
            return Ok(self
                .own_keys(epoch)?
                .map(|(_, signer)| signer.verifying_key()));
        }
        let signers: BTreeMap<String, String> = self.meta_map(META_ORG_SIGNERS)?;
        Ok(signers.get(&format!("{org}/{epoch}")).and_then(|h| {
            let mut key = [0u8; 32];
            hex::decode_to_slice(h, &mut key).ok()?;
            Some(key)
        }))
    }

    /// This organisation's newest epoch whose org key is held here, and its signer.
    pub(crate) fn own_signer(&self) -> Result<Option<(u32, OrgSigner)>> {
        let org = self.organisation().to_string();
        let Some((epoch, k)) = self.store.newest_scope_key(&org, ORG_SCOPE)? else {
            return Ok(None);
        };
        let k = SecretKey::from_bytes(k.as_ref()).map_err(crate::keys::e2e)?;
        Ok(Some((epoch, OrgSigner::of_organisation(&k))))
    }

    /// This organisation's keys of epoch `epoch`, derived from its org key if held here.
    fn own_keys(&self, epoch: u32) -> Result<Option<(OrgKeys, OrgSigner)>> {
        let org = self.organisation().to_string();
        let Some(k) = self.store.scope_key(&org, ORG_SCOPE, epoch)? else {
            return Ok(None);
        };
        let k = SecretKey::from_bytes(k.as_ref()).map_err(crate::keys::e2e)?;
        let signer = OrgSigner::of_organisation(&k);
        Ok(Some((
            OrgKeys {
                org,
                epoch,
                public_key: KeyPair::of_organisation(&k).public().to_vec().into(),
                signing_key: signer.verifying_key().to_vec().into(),
                link: Default::default(),
            },
            signer,
        )))
    }

    /// The keys step's part for organisations' keys: publish this organisation's keys of the
    /// epochs it holds that the server has none of (signed by the previous epoch when held
    /// here), check what the server lists for it, follow every other organisation's chain
    /// from the epoch trusted here, and keep what referrals are sealed to. Returns the
    /// server's newer answer when keys were published.
    pub(crate) fn follow_org_keys(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        mut reply: KeysReply,
    ) -> Result<KeysReply> {
        let org = self.organisation().to_string();
        let listed = |reply: &KeysReply, o: &str, epoch: u32| {
            reply
                .epochs
                .iter()
                .find(|e| e.org == o && e.scope == ORG_SCOPE && e.epoch == epoch)
                .and_then(|e| e.public_key.clone())
        };
        // This organisation's: derived here, or refused.
        let own_epochs: Vec<u32> = reply
            .epochs
            .iter()
            .filter(|e| e.org == org && e.scope == ORG_SCOPE)
            .map(|e| e.epoch)
            .collect();
        let mut publish = Vec::new();
        for epoch in own_epochs {
            let Some((mut mine, _)) = self.own_keys(epoch)? else {
                continue;
            };
            if listed(&reply, &org, epoch).as_ref() != Some(&mine.public_key) {
                changed(summary, &org, epoch, "its organisation key does not derive");
                continue;
            }
            match reply
                .org_keys
                .iter()
                .find(|k| k.org == org && k.epoch == epoch)
            {
                Some(k) if k.public_key == mine.public_key && k.signing_key == mine.signing_key => {
                }
                Some(_) => changed(summary, &org, epoch, "its organisation key does not derive"),
                None => {
                    if let Some((_, previous)) = self.own_keys(epoch.saturating_sub(1))? {
                        let (p, s) = (
                            as_key(&mine.public_key).expect("32 bytes"),
                            as_key(&mine.signing_key).expect("32 bytes"),
                        );
                        mine.link = previous.link(&epoch_keys(&mine, &p, &s)).to_vec().into();
                    }
                    publish.push(mine);
                }
            }
        }
        if !publish.is_empty() {
            let put = Request::PutKeys(PutKeys {
                org_keys: publish,
                ..PutKeys::default()
            });
            reply = match self.round(t, summary, &put) {
                Ok(Response::Keys(k)) => k,
                // Another laptop of the organisation published them first.
                Err(CoreError::SyncRefused {
                    code: Code::Exists, ..
                }) => match self.round(t, summary, &Request::Keys)? {
                    Response::Keys(k) => k,
                    _ => return Err(unexpected()),
                },
                Err(e) => return Err(e),
                Ok(_) => return Err(unexpected()),
            };
        }

        // Every other organisation's.
        let mut pins: BTreeMap<String, Pin> = self.meta_map(META_ORG_PINS)?;
        let mut signers: BTreeMap<String, String> = self.meta_map(META_ORG_SIGNERS)?;
        let mut seen: BTreeMap<String, String> = self.meta_map(META_ORG_KEYS_SEEN)?;
        let mut keys: BTreeMap<String, OrgKey> = BTreeMap::new();
        let others: BTreeSet<String> = reply
            .epochs
            .iter()
            .filter(|e| e.scope == ORG_SCOPE && e.org != org)
            .map(|e| e.org.clone())
            .chain(reply.org_keys.iter().map(|k| k.org.clone()))
            .filter(|o| *o != org)
            .collect();
        for o in others {
            let mut published: Vec<&OrgKeys> =
                reply.org_keys.iter().filter(|k| k.org == o).collect();
            published.sort_by_key(|k| k.epoch);
            let newest_listed = reply
                .epochs
                .iter()
                .filter(|e| e.org == o && e.scope == ORG_SCOPE && e.public_key.is_some())
                .map(|e| e.epoch)
                .max();
            let mut pin = match pins.get(&o) {
                Some(p) => p.clone(),
                None => match published.first() {
                    // The first keys seen of it: trusted as listed (coordinators can compare
                    // the fingerprint), unless they contradict a key seen before.
                    Some(first) => {
                        let before = seen.get(&format!("{o}/{}", first.epoch));
                        if before.is_some_and(|b| *b != hex::encode(&first.public_key)) {
                            changed(summary, &o, first.epoch, "differ from those seen before");
                            continue;
                        }
                        Pin::of(first)
                    }
                    None => {
                        // It never published keys: each epoch's key as first seen.
                        if let Some(k) = self.legacy_org_key(&reply, &o, &mut seen, summary) {
                            keys.insert(o.clone(), k);
                        }
                        continue;
                    }
                },
            };
            // Follow its rotations link by link, asking for epochs no longer listed.
            let mut broken = false;
            let mut chain: Vec<OrgKeys> = published
                .iter()
                .filter(|k| k.epoch > pin.epoch)
                .map(|k| (*k).clone())
                .collect();
            if newest_listed.is_some_and(|n| n > pin.epoch)
                && chain.first().is_none_or(|k| k.epoch != pin.epoch + 1)
            {
                chain = self.org_key_chain(t, summary, &o, pin.epoch)?;
            }
            for next in &chain {
                if next.epoch <= pin.epoch {
                    continue;
                }
                if !follows(&o, &pin, next) {
                    changed(
                        summary,
                        &o,
                        next.epoch,
                        "the keys trusted here did not sign",
                    );
                    broken = true;
                    break;
                }
                signers
                    .entry(format!("{o}/{}", pin.epoch))
                    .or_insert_with(|| pin.signing_key.clone());
                pin = Pin::of(next);
            }
            // What is listed now for the trusted epoch must be what was trusted.
            let contradicted = published
                .iter()
                .any(|k| k.epoch == pin.epoch && !pin.same(k))
                || listed(&reply, &o, pin.epoch)
                    .is_some_and(|pk| hex::encode(pk) != pin.public_key);
            if contradicted {
                changed(summary, &o, pin.epoch, "differ from those trusted here");
                broken = true;
            }
            if !broken {
                signers
                    .entry(format!("{o}/{}", pin.epoch))
                    .or_insert_with(|| pin.signing_key.clone());
                keys.insert(
                    o.clone(),
                    OrgKey {
                        epoch: pin.epoch,
                        public_key: pin.public_key.clone(),
                    },
                );
            }
            pins.insert(o, pin);
        }
        self.set_meta_map(META_ORG_KEYS, &keys)?;
        self.set_meta_map(META_ORG_PINS, &pins)?;
        self.set_meta_map(META_ORG_SIGNERS, &signers)?;
        self.set_meta_map(META_ORG_KEYS_SEEN, &seen)?;
        Ok(reply)
    }

    /// An organisation that never published keys: its newest listed key, each epoch's kept
    /// as first seen (a changed one refused).
    fn legacy_org_key(
        &self,
        reply: &KeysReply,
        o: &str,
        seen: &mut BTreeMap<String, String>,
        summary: &mut SyncSummary,
    ) -> Option<OrgKey> {
        let mut newest: Option<OrgKey> = None;
        for e in reply
            .epochs
            .iter()
            .filter(|e| e.org == o && e.scope == ORG_SCOPE)
        {
            let Some(pk) = &e.public_key else { continue };
            let listed = hex::encode(pk);
            let at = format!("{o}/{}", e.epoch);
            if seen.get(&at).is_some_and(|x| *x != listed) {
                changed(summary, o, e.epoch, "differ from those seen before");
                return None;
            }
            seen.insert(at, listed.clone());
            if newest.as_ref().is_none_or(|k| k.epoch < e.epoch) {
                newest = Some(OrgKey {
                    epoch: e.epoch,
                    public_key: listed,
                });
            }
        }
        newest
    }

    /// An organisation's published keys after epoch `after`, page by page.
    fn org_key_chain(
        &self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        org: &str,
        mut after: u32,
    ) -> Result<Vec<OrgKeys>> {
        let mut chain = Vec::new();
        loop {
            let req = Request::OrgKeyChain {
                org: org.to_string(),
                after,
            };
            let Response::OrgKeys(page) = self.round(t, summary, &req)? else {
                return Err(unexpected());
            };
            let full = page.len() == MAX_ORG_KEYS_PAGE;
            match page.last() {
                Some(last) if last.epoch > after => after = last.epoch,
                _ => break,
            }
            chain.extend(page.into_iter().filter(|k| k.org == org));
            if !full {
                break;
            }
        }
        Ok(chain)
    }

    /// This organisation's keys and every other one's as trusted here, with fingerprints to
    /// compare by phone.
    pub fn trusted_org_keys(&self) -> Result<Vec<TrustedOrgKey>> {
        let org = self.organisation().to_string();
        let mut out = Vec::new();
        if let Some((epoch, _)) = self.store.newest_scope_key(&org, ORG_SCOPE)? {
            if let Some((mine, _)) = self.own_keys(epoch)? {
                let (p, s) = (
                    as_key(&mine.public_key).expect("32 bytes"),
                    as_key(&mine.signing_key).expect("32 bytes"),
                );
                out.push(TrustedOrgKey {
                    organisation: org.clone(),
                    epoch,
                    fingerprint: punkt_e2e::org_fingerprint(&epoch_keys(&mine, &p, &s)),
                    own: true,
                });
            }
        }
        let pins: BTreeMap<String, Pin> = self.meta_map(META_ORG_PINS)?;
        for (o, pin) in pins {
            let (mut p, mut s) = ([0u8; 32], [0u8; 32]);
            out.push(TrustedOrgKey {
                fingerprint: punkt_e2e::org_fingerprint(&pin.keys_of(&o, &mut p, &mut s)),
                organisation: o,
                epoch: pin.epoch,
                own: false,
            });
        }
        Ok(out)
    }
}

fn unexpected() -> CoreError {
    CoreError::Sync("the server answered a keys request with something else".into())
}
