//! A laptop's pull: what changed since its cursor, and the documents it asks for with the keys
//! it may open them with, within a byte budget; every read logged.

use super::*;

impl<S: Storage> Engine<S> {
    /// The acceptable wrapped keys of `d` (see [`Engine::acceptable_keys`]; `receiver` is the
    /// organisation a sealed wrap may be for), when they let some laptop open the document:
    /// one wrapped for `owner` under the scope of its kind, and, with `receiver_required`, one
    /// sealed to `receiver`. `None` otherwise: without them no laptop could ever open it.
    pub(super) async fn keys_to_open(
        &self,
        device: &Device,
        d: &DocPush,
        owner: &str,
        receiver: Option<&str>,
        receiver_required: bool,
    ) -> Result<Option<Vec<WrappedKey>>, StorageError> {
        let keys = self.acceptable_keys(device, d, receiver).await?;
        let scope = access::key_scope(&d.kind);
        let own = keys
            .iter()
            .any(|k| !k.sealed_to_org && k.scope == scope && k.org == owner);
        let theirs = !receiver_required
            || receiver.is_some_and(|to| keys.iter().any(|k| k.sealed_to_org && k.org == to));
        Ok((own && theirs).then_some(keys))
    }

    /// Keep the acceptable wrapped keys a push brought (a rotation's new wraps, or a new
    /// document's).
    pub(super) async fn keep_keys(
        &self,
        device: &Device,
        d: &DocPush,
        referred_to: Option<&str>,
    ) -> Result<(), StorageError> {
        if d.keys.is_empty() {
            return Ok(());
        }
        let keys = self.acceptable_keys(device, d, referred_to).await?;
        self.store.put_doc_keys(&d.doc_id, keys).await
    }

    /// Document `doc_id` as `device` may read it, with its stored form (`None` for one stored in
    /// clear by a protocol 5 server, not yet replaced: sent as it is, so the laptop can merge it
    /// and replace it sealed); or why it is not sent.
    async fn readable(
        &self,
        device: &Device,
        doc_id: &str,
    ) -> Result<Result<(ServerDoc, Option<records::Stored>), Refusal>, StorageError> {
        let sd = match self.store.load_doc(doc_id).await {
            Ok(Some(sd)) => sd,
            Ok(None) => return Ok(Err(Refusal::new(Code::NotFound, "no such document"))),
            Err(e) => {
                tracing::error!("pull of {doc_id} failed: {e}");
                let why = "the server could not read this document now";
                return Ok(Err(Refusal::new(Code::ServerError, why)));
            }
        };
        if !Self::may_access(device, &sd) {
            let detail = "pull: no access".into();
            self.audit("refused", Some(device), Some(doc_id), detail)
                .await;
            return Ok(Err(Refusal::new(
                Code::Forbidden,
                "no access to this document",
            )));
        }
        if sd.kind == ERASED_KIND {
            return Ok(Err(Self::erased()));
        }
        let stored = match records::Stored::of(&sd) {
            Ok(s) => Some(s),
            Err(_) if self.store.legacy_hashes(doc_id).await?.is_some() => None,
            Err(e) => {
                tracing::error!("stored document {doc_id} is damaged: {e}");
                let why = "the server's copy of this document is damaged";
                return Ok(Err(Refusal::new(Code::ServerError, why)));
            }
        };
        Ok(Ok((sd, stored)))
    }

    pub(super) async fn pull(&self, device: &Device, p: Pull) -> Result<PullReply, StorageError> {
        let mut docs_out = Vec::new();
        let mut refused = Vec::new();
        let mut bytes = 0usize;
        for DocWant {
            doc_id,
            have_heads,
            need_key,
        } in p.docs
        {
            let (sd, stored) = match self.readable(device, &doc_id).await? {
                Ok(found) => found,
                Err(why) => {
                    refused.push(DocResult {
                        doc_id,
                        outcome: Outcome::Refused(why),
                    });
                    continue;
                }
            };
            let payload = match &stored {
                Some(stored) => stored.payload_for(&have_heads),
                None => Payload::Legacy {
                    snapshot: sd.snapshot.clone().into(),
                    changes: sd.changes.iter().map(|c| c.clone().into()).collect(),
                },
            };
            let size = match &payload {
                Payload::Full { snapshot, changes } => {
                    snapshot.as_ref().map_or(0, |s| s.sealed.len())
                        + changes.iter().map(|c| c.sealed.len()).sum::<usize>()
                }
                Payload::Changes(c) => c.iter().map(|c| c.sealed.len()).sum(),
                Payload::Legacy { snapshot, changes } => {
                    snapshot.len() + changes.iter().map(|c| c.len()).sum::<usize>()
                }
            };
            // Stop before the budget, not after: the device asks again for what is left.
            if !docs_out.is_empty() && bytes + size > PULL_BUDGET {
                break;
            }
            bytes += size;
            let keys = if need_key {
                let scope = access::key_scope(&sd.kind);
                self.store
                    .doc_keys(&doc_id)
                    .await?
                    .into_iter()
                    .filter(|k| {
                        k.org == device.organisation
                            && k.scope == scope
                            && access::role_may_hold(&k.scope, &device.role)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            docs_out.push(DocData {
                doc_id: sd.id.clone(),
                kind: sd.kind.clone(),
                owner_org: sd.owner_org.clone(),
                heads: sd.heads.clone(),
                payload,
                keys,
            });
        }
        let sent: Vec<(&str, String)> = docs_out
            .iter()
            .map(|d| (d.doc_id.as_str(), format!("{} sent to the device", d.kind)))
            .collect();
        self.log_reads(device, sent).await;
        Ok(PullReply {
            docs: docs_out,
            refused,
        })
    }

    /// Log one `read` per document sent to `device` (pull), in one write, so a coordinator
    /// sees whose laptop received which file.
    pub(super) async fn log_reads(&self, device: &Device, docs: Vec<(&str, String)>) {
        if docs.is_empty() {
            return;
        }
        let at = timestamp(self.now());
        let events = docs
            .into_iter()
            .map(|(id, detail)| AuditEvent {
                at: at.clone(),
                action: "read".into(),
                device_id: Some(device.device_id.clone()),
                user: Some(device.user.clone()),
                organisation: Some(device.organisation.clone()),
                doc_id: Some(id.to_string()),
                detail,
                event_id: None,
            })
            .collect();
        if let Err(err) = self.store.audit_many(events).await {
            tracing::error!("audit log write failed: {err}");
        }
    }
}
