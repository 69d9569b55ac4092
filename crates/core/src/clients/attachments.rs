//! Attachments: scans and photos of decisions, kept encrypted in the store like everything
//! else and carried by sync. Each attachment's bytes are a document of their own (kind
//! [`ATTACHMENT_DOCUMENT_KIND`]) so a client file stays small to load and merge; the client
//! file lists them ([`punkt_model::client::AttachmentRef`]) under the same id.

use automerge::{transaction::Transactable, AutoCommit, ReadDoc, ScalarValue, Value, ROOT};
use serde::Serialize;

use punkt_model::client::{AttachmentRef, ClientFile, ATTACHMENT_DOCUMENT_KIND};
use punkt_model::new_id;

use crate::error::{CoreError, Result};
use crate::{commit_options, load_automerge, Punkt};

/// The largest attachment taken: a phone photo or a multi-page scan fits; a sync message
/// (32 MiB) always has room for one.
pub const MAX_ATTACHMENT_BYTES: usize = 16 << 20;

/// An attachment as front ends list it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AttachmentView {
    pub id: String,
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub added_at: String,
    pub added_by: Option<String>,
}

/// An attachment with its bytes.
#[derive(Debug, Clone)]
pub struct AttachmentContent {
    pub view: AttachmentView,
    pub bytes: Vec<u8>,
}

pub(crate) fn attachment_view(id: &str, a: &AttachmentRef) -> AttachmentView {
    AttachmentView {
        id: id.to_string(),
        name: a.name.clone(),
        mime: a.mime.clone(),
        size: a.size,
        added_at: a.added_at.clone(),
        added_by: a.added_by.clone(),
    }
}

/// The type of a scan or photo, from its first bytes (never from the name it came with).
pub fn sniff_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("image/tiff")
    } else {
        None
    }
}

/// A file name without directories or control characters, at most 200 characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "attachment".into()
    } else {
        cleaned
    }
}

impl Punkt {
    /// Attach a scan or photo to a client file. The bytes must be a JPEG, PNG, WebP, TIFF or
    /// PDF of at most [`MAX_ATTACHMENT_BYTES`].
    pub fn add_attachment(
        &mut self,
        client_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<AttachmentView> {
        if bytes.is_empty() {
            return Err(CoreError::Invalid("the file is empty".into()));
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(CoreError::Invalid(format!(
                "the file is larger than {} MiB",
                MAX_ATTACHMENT_BYTES >> 20
            )));
        }
        let mime = sniff_type(bytes).ok_or_else(|| {
            CoreError::Invalid(
                "the file is not a photo or scan Punkt can keep (JPEG, PNG, WebP, TIFF or PDF)"
                    .into(),
            )
        })?;
        let file: ClientFile = self.client(client_id)?;
        let id = new_id();
        let name = clean_name(name);
        let now = self.now();
        let now_text = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let reference = AttachmentRef {
            name: name.clone(),
            mime: mime.to_string(),
            size: bytes.len() as u64,
            added_at: now_text.clone(),
            added_by: self.author().map(str::to_string),
        };

        let mut doc = AutoCommit::new().with_actor(self.actor.clone());
        let put = |doc: &mut AutoCommit| -> std::result::Result<(), automerge::AutomergeError> {
            doc.put(ROOT, "kind", ATTACHMENT_DOCUMENT_KIND)?;
            doc.put(ROOT, "schema_version", 1u64)?;
            doc.put(ROOT, "id", id.as_str())?;
            doc.put(ROOT, "client_id", client_id)?;
            doc.put(ROOT, "organisation", file.organisation.as_str())?;
            doc.put(ROOT, "name", name.as_str())?;
            doc.put(ROOT, "mime", mime)?;
            doc.put(ROOT, "added_at", now_text.as_str())?;
            doc.put(ROOT, "bytes", ScalarValue::Bytes(bytes.to_vec()))?;
            Ok(())
        };
        put(&mut doc).map_err(|e| CoreError::Document {
            id: id.clone(),
            reason: e.to_string(),
        })?;
        doc.commit_with(commit_options(self.author(), now.timestamp()));
        // The bytes first, then the reference: a crash in between leaves an unlisted
        // attachment, never a listed one without bytes.
        self.store_new_document(&id, ATTACHMENT_DOCUMENT_KIND, &file.organisation, &mut doc)?;
        let key = id.clone();
        let listed = reference.clone();
        self.edit_client(client_id, move |f, _| {
            f.attachments.insert(key, listed);
            Ok(())
        })?;
        Ok(attachment_view(&id, &reference))
    }

    /// An attachment's bytes. A file synced from another laptop may list an attachment whose
    /// bytes have not arrived yet: that is `not_received`, not damage.
    pub fn attachment(&self, client_id: &str, attachment_id: &str) -> Result<AttachmentContent> {
        let file = self.client(client_id)?;
        let reference = file.attachments.get(attachment_id).ok_or_else(|| {
            CoreError::Invalid(format!("no attachment {attachment_id} in this file"))
        })?;
        let stored = match self.store.load_document(attachment_id) {
            Ok(s) => s,
            Err(punkt_store::StoreError::NoDocument(_)) => {
                return Err(CoreError::NotReceived(attachment_id.to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        let damaged = |reason: String| CoreError::Document {
            id: attachment_id.to_string(),
            reason,
        };
        if stored.kind != ATTACHMENT_DOCUMENT_KIND {
            return Err(damaged(format!("it is a {} document", stored.kind)));
        }
        let doc = load_automerge(&stored)?;
        let bytes = match doc.get(ROOT, "bytes") {
            Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::Bytes(b) => b.clone(),
                _ => return Err(damaged("its bytes are not bytes".into())),
            },
            _ => return Err(damaged("it has no bytes".into())),
        };
        Ok(AttachmentContent {
            view: attachment_view(attachment_id, reference),
            bytes,
        })
    }
}
