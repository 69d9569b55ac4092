//! Keys the blind server keeps without being able to use them: key epochs, scope keys sealed to
//! laptops, organisations' published keys, rewrapping after a rotation, and retiring old epochs.

use super::*;

impl<S: Storage> Engine<S> {
    /// What the asking device needs to open its organisation's documents: its grants, the
    /// epochs, the laptops of its organisation waiting for keys it can give.
    pub(super) async fn keys(&self, device: &Device) -> Result<KeysReply, StorageError> {
        let epochs: Vec<ScopeEpoch> = self
            .store
            .key_epochs()
            .await?
            .into_iter()
            .filter(|e| e.org == device.organisation || e.scope == access::ORG_SCOPE)
            .collect();
        let grants = self.store.grants(&device.organisation).await?;
        let mine: Vec<KeyGrant> = grants
            .iter()
            .filter(|g| g.device_id == device.device_id)
            .cloned()
            .collect();
        let newest = |scope: &str| {
            epochs
                .iter()
                .filter(|e| e.org == device.organisation && e.scope == scope)
                .map(|e| e.epoch)
                .max()
        };
        let holds = |id: &str, scope: &str, epoch: u32| {
            grants
                .iter()
                .any(|g| g.device_id == id && g.scope == scope && g.epoch == epoch)
        };
        let mut waiting = Vec::new();
        for d in self.store.devices().await? {
            let Some(pk) = &d.public_key else { continue };
            if d.organisation != device.organisation
                || d.revoked_at.is_some()
                || d.device_id == device.device_id
            {
                continue;
            }
            let missing: Vec<String> = access::scopes_for_role(&d.role)
                .into_iter()
                .filter(|s| {
                    newest(s).is_some_and(|e| {
                        !holds(&d.device_id, s, e) && holds(&device.device_id, s, e)
                    })
                })
                .collect();
            if !missing.is_empty() {
                // Its endorsements of earlier epochs the asker holds too (a rotation): the
                // asker can check them and give it the newest without a person.
                let endorsements = grants
                    .iter()
                    .filter(|g| {
                        g.device_id == d.device_id
                            && missing.contains(&g.scope)
                            && g.endorsement.len() == 32
                            && holds(&device.device_id, &g.scope, g.epoch)
                    })
                    .map(|g| Endorsement {
                        scope: g.scope.clone(),
                        epoch: g.epoch,
                        mac: g.endorsement.clone(),
                    })
                    .collect();
                waiting.push(WaitingDevice {
                    device_id: d.device_id.clone(),
                    name: d.name.clone(),
                    user: d.user.clone(),
                    role: d.role.clone(),
                    public_key: pk.clone().into(),
                    code_record: d
                        .code_record
                        .as_deref()
                        .and_then(|r| postcard::from_bytes(r).ok()),
                    proof: d.proof.clone().map(Into::into),
                    missing,
                    endorsements,
                });
            }
        }
        // Documents given to another organisation (`admin grant`) whose key only a laptop
        // can seal to it.
        let mut to_share = Vec::new();
        for (doc_id, org) in self.store.unshared(&device.organisation).await? {
            let newest = epochs
                .iter()
                .filter(|e| e.org == org && e.scope == access::ORG_SCOPE)
                .max_by_key(|e| e.epoch);
            if let Some(ScopeEpoch {
                epoch,
                public_key: Some(pk),
                ..
            }) = newest
            {
                to_share.push(ShareRequest {
                    doc_id,
                    org,
                    epoch: *epoch,
                    public_key: pk.clone(),
                });
            }
        }
        // Documents still in clear from a protocol 5 server, that this laptop may replace.
        let legacy = self
            .store
            .legacy(
                Some(&device.organisation),
                punkt_sync::wire::limits::MAX_DOCS as u32,
            )
            .await?
            .into_iter()
            .filter(|(_, kind)| access::role_may_read(kind, &device.role))
            .map(|(doc_id, kind)| LegacyDoc { doc_id, kind })
            .collect();
        // Rotation: scopes to start the next epoch of, asked of the laptops holding the newest;
        // then the document keys still wrapped only under older epochs, for such a laptop to
        // wrap under the newest (one wrap per document, of an epoch it holds).
        let holds_newest =
            |scope: &str| newest(scope).is_some_and(|e| holds(&device.device_id, scope, e));
        let rotate: Vec<String> = self
            .store
            .rotations(&device.organisation)
            .await?
            .into_iter()
            .filter(|s| access::role_may_hold(s, &device.role) && holds_newest(s))
            .collect();
        let mut rewrap = Vec::new();
        for scope in access::scopes_for_role(&device.role) {
            let Some(n) = newest(&scope) else { continue };
            let older = epochs
                .iter()
                .any(|e| e.org == device.organisation && e.scope == scope && e.epoch < n);
            if !older || !holds(&device.device_id, &scope, n) {
                continue;
            }
            let mut seen = std::collections::HashSet::new();
            for sk in self
                .store
                .stale_wraps(&device.organisation, &scope, n, REWRAP_PAGE)
                .await?
            {
                if holds(&device.device_id, &scope, sk.key.epoch) && seen.insert(sk.doc_id.clone())
                {
                    rewrap.push(sk);
                }
            }
        }
        Ok(KeysReply {
            grants: mine,
            epochs,
            waiting,
            registered: device.public_key.is_some(),
            to_share,
            legacy,
            rotate,
            rewrap,
            org_keys: self.store.org_keys().await?,
        })
    }

    /// Register the device's public key, start first epochs, keep grants: each checked
    /// against the organisation and roles (the server cannot check what is sealed).
    pub(super) async fn put_keys(
        &self,
        device: &Device,
        k: PutKeys,
    ) -> Result<Response, StorageError> {
        let mut device = device.clone();
        if let Some(pk) = &k.public_key {
            let pk: [u8; 32] = pk.as_slice().try_into().expect("checked by the wire");
            if !self.store.set_public_key(&device.device_id, pk).await?
                && device.public_key.as_deref() != Some(pk.as_slice())
            {
                return Ok(Response::refused(
                    Code::Exists,
                    "this laptop registered another public key already",
                ));
            }
            device.public_key = Some(pk.to_vec());
            self.audit("keys", Some(&device), None, "public key registered".into())
                .await;
        }
        let epochs = self.store.key_epochs().await?;
        let mut started: Vec<(String, u32)> = Vec::new();
        for e in k.new_epochs {
            if e.org != device.organisation || !access::role_may_hold(&e.scope, &device.role) {
                return Ok(Response::refused(
                    Code::Forbidden,
                    format!("a {} cannot start keys of {}", device.role, e.scope),
                ));
            }
            let newest = epochs
                .iter()
                .filter(|x| x.org == e.org && x.scope == e.scope)
                .map(|x| x.epoch)
                .max()
                .unwrap_or(0);
            if e.epoch != newest + 1 || (e.scope == access::ORG_SCOPE) != e.public_key.is_some() {
                return Ok(Response::refused(
                    Code::Exists,
                    format!("epoch {} of {} cannot start now", e.epoch, e.scope),
                ));
            }
            // A rotation is started by a laptop holding the newest key (it rewraps the
            // documents' keys and vouches for the laptops it gives the next one to).
            if newest > 0 {
                let held = self.store.grants(&device.organisation).await?;
                if !held.iter().any(|g| {
                    g.device_id == device.device_id && g.scope == e.scope && g.epoch == newest
                }) {
                    return Ok(Response::refused(
                        Code::Forbidden,
                        format!(
                            "only a laptop holding epoch {newest} of {} rotates it",
                            e.scope
                        ),
                    ));
                }
            }
            let detail = format!("epoch {} of {} started", e.epoch, e.scope);
            started.push((e.scope.clone(), e.epoch));
            if !self
                .store
                .add_epoch(e, &device.device_id, self.now())
                .await?
            {
                return Ok(Response::refused(
                    Code::Exists,
                    "another laptop started that epoch first",
                ));
            }
            self.audit("keys", Some(&device), None, detail).await;
        }
        if !k.grants.is_empty() {
            let epochs = self.store.key_epochs().await?;
            let held = self.store.grants(&device.organisation).await?;
            let team = self.store.devices().await?;
            for g in &k.grants {
                let target = team.iter().find(|d| {
                    d.device_id == g.device_id
                        && d.organisation == device.organisation
                        && d.revoked_at.is_none()
                        && d.public_key.is_some()
                });
                let ok = target.is_some_and(|t| access::role_may_hold(&g.scope, &t.role))
                    && epochs.iter().any(|e| {
                        e.org == device.organisation && e.scope == g.scope && e.epoch == g.epoch
                    })
                    // A laptop gives itself only the key it just started; others, only keys
                    // it holds.
                    && (started.iter().any(|(s, e)| {
                        g.device_id == device.device_id && *s == g.scope && *e == g.epoch
                    }) || held.iter().any(|h| {
                            h.device_id == device.device_id
                                && h.scope == g.scope
                                && h.epoch == g.epoch
                        }));
                if !ok {
                    return Ok(Response::refused(
                        Code::Forbidden,
                        format!(
                            "keys of {} cannot be given to laptop {}",
                            g.scope, g.device_id
                        ),
                    ));
                }
            }
            let given: Vec<String> = k.grants.iter().map(|g| g.device_id.clone()).collect();
            self.store
                .add_grants(&device.organisation, k.grants)
                .await?;
            self.audit(
                "keys",
                Some(&device),
                None,
                format!("keys given to {}", given.join(", ")),
            )
            .await;
        }
        for r in &k.code_records {
            let bytes = postcard::to_stdvec(r).expect("a code record serialises");
            if !self
                .store
                .put_code_record(r.code_hash.0, &device.organisation, bytes)
                .await?
            {
                return Ok(Response::refused(
                    Code::Forbidden,
                    "a code record only for an unused code of the organisation's people",
                ));
            }
        }
        if !k.shared.is_empty() {
            let wanted = self.store.unshared(&device.organisation).await?;
            let mut n = 0;
            for sk in k.shared {
                let asked = wanted
                    .iter()
                    .any(|(d, o)| *d == sk.doc_id && *o == sk.key.org);
                if !asked || !sk.key.sealed_to_org || sk.key.scope != access::ORG_SCOPE {
                    return Ok(Response::refused(
                        Code::Forbidden,
                        format!("document {} is not shared with {}", sk.doc_id, sk.key.org),
                    ));
                }
                self.store.put_doc_keys(&sk.doc_id, vec![sk.key]).await?;
                n += 1;
            }
            self.audit(
                "keys",
                Some(&device),
                None,
                format!("{n} document keys sealed to organisations given access"),
            )
            .await;
        }
        if !k.rewrapped.is_empty() {
            if let Some(refused) = self.take_rewrapped(&device, k.rewrapped).await? {
                return Ok(Response::Refused(refused));
            }
        }
        for o in k.org_keys {
            if let Some(refused) = self.take_org_keys(&device, o).await? {
                return Ok(Response::Refused(refused));
            }
        }
        self.retire_epochs(&device).await?;
        self.keys(&device).await.map(Response::Keys)
    }

    /// Keep an epoch's keys a laptop of the organisation published: only its own
    /// organisation's, of an epoch it holds, with the public key the epoch was started with;
    /// never in place of keys published before. (The link is the laptops' to check.)
    pub(super) async fn take_org_keys(
        &self,
        device: &Device,
        o: punkt_sync::wire::OrgKeys,
    ) -> Result<Option<Refusal>, StorageError> {
        let listed = self.store.key_epochs().await?.into_iter().any(|e| {
            e.org == o.org
                && e.scope == access::ORG_SCOPE
                && e.epoch == o.epoch
                && e.public_key.as_ref() == Some(&o.public_key)
        });
        let held = self
            .store
            .grants(&device.organisation)
            .await?
            .iter()
            .any(|g| {
                g.device_id == device.device_id
                    && g.scope == access::ORG_SCOPE
                    && g.epoch == o.epoch
            });
        if o.org != device.organisation || !listed || !held {
            return Ok(Some(Refusal::new(
                Code::Forbidden,
                format!(
                    "keys of epoch {} of {} cannot be published by this laptop",
                    o.epoch, o.org
                ),
            )));
        }
        let epoch = o.epoch;
        if !self
            .store
            .publish_org_keys(o.clone(), &device.device_id, self.now())
            .await?
        {
            let kept = self
                .store
                .org_key_chain(&o.org, epoch.saturating_sub(1), 1)
                .await?
                .into_iter()
                .next();
            if kept.as_ref() != Some(&o) {
                return Ok(Some(Refusal::new(
                    Code::Exists,
                    format!("keys of epoch {epoch} were published already, and differ"),
                )));
            }
            return Ok(None);
        }
        self.audit(
            "keys",
            Some(device),
            None,
            format!("organisation keys of epoch {epoch} published"),
        )
        .await;
        Ok(None)
    }

    /// Keep document keys a laptop wrapped under the newest epoch of their scope in place of
    /// their older wraps (a rotation): only its organisation's, of a scope its role may hold,
    /// under the newest epoch, which it holds, of documents its organisation had a key of.
    pub(super) async fn take_rewrapped(
        &self,
        device: &Device,
        rewrapped: Vec<punkt_sync::wire::SharedKey>,
    ) -> Result<Option<Refusal>, StorageError> {
        let epochs = self.store.key_epochs().await?;
        let held = self.store.grants(&device.organisation).await?;
        let n = rewrapped.len();
        for sk in rewrapped {
            let k = &sk.key;
            let newest = epochs
                .iter()
                .filter(|e| e.org == k.org && e.scope == k.scope)
                .map(|e| e.epoch)
                .max();
            let had =
                self.store.doc_keys(&sk.doc_id).await?.iter().any(|w| {
                    w.org == device.organisation && w.scope == k.scope && w.epoch < k.epoch
                });
            let ok = k.org == device.organisation
                && !k.sealed_to_org
                && access::role_may_hold(&k.scope, &device.role)
                && newest == Some(k.epoch)
                && held.iter().any(|g| {
                    g.device_id == device.device_id && g.scope == k.scope && g.epoch == k.epoch
                })
                && had;
            if !ok {
                return Ok(Some(Refusal::new(
                    Code::Forbidden,
                    format!(
                        "the key of {} cannot be rewrapped under epoch {} of {}",
                        sk.doc_id, k.epoch, k.scope
                    ),
                )));
            }
            self.store.rewrap(&sk.doc_id, sk.key).await?;
        }
        self.audit(
            "keys",
            Some(device),
            None,
            format!("{n} document keys wrapped under a new epoch"),
        )
        .await;
        Ok(None)
    }

    /// Drop the older epochs of each scope of the device's organisation once a rotation is
    /// done: no document key is wrapped only under them, and every laptop (not revoked) that
    /// held one holds the newest. Laptops then forget them; a backup made before holds
    /// nothing any laptop can open.
    pub(super) async fn retire_epochs(&self, device: &Device) -> Result<(), StorageError> {
        let org = &device.organisation;
        let epochs: Vec<ScopeEpoch> = self
            .store
            .key_epochs()
            .await?
            .into_iter()
            .filter(|e| e.org == *org)
            .collect();
        let mut grants = None;
        let mut devices = None;
        for scope in epochs
            .iter()
            .map(|e| e.scope.clone())
            .collect::<BTreeSet<_>>()
        {
            let of_scope = epochs.iter().filter(|e| e.scope == scope);
            let (Some(oldest), Some(newest)) = (
                of_scope.clone().map(|e| e.epoch).min(),
                of_scope.map(|e| e.epoch).max(),
            ) else {
                continue;
            };
            if oldest == newest
                || !self
                    .store
                    .stale_wraps(org, &scope, newest, 1)
                    .await?
                    .is_empty()
            {
                continue;
            }
            if grants.is_none() {
                grants = Some(self.store.grants(org).await?);
                devices = Some(self.store.devices().await?);
            }
            let (grants, devices) = (grants.as_ref().unwrap(), devices.as_ref().unwrap());
            let lagging = devices.iter().any(|d| {
                d.organisation == *org
                    && d.revoked_at.is_none()
                    && grants
                        .iter()
                        .any(|g| g.device_id == d.device_id && g.scope == scope && g.epoch < newest)
                    && !grants.iter().any(|g| {
                        g.device_id == d.device_id && g.scope == scope && g.epoch == newest
                    })
            });
            if lagging {
                continue;
            }
            self.store.retire_epochs(org, &scope, newest).await?;
            self.audit(
                "keys",
                Some(device),
                None,
                format!("epochs of {scope} before {newest} retired"),
            )
            .await;
        }
        Ok(())
    }
}
