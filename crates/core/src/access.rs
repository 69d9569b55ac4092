//! Access requests (GDPR Art. 15): everything this store holds on one person, as JSON. The
//! readable document in the person's language is not written yet (issue 5).

use base64::Engine as _;
use serde::Serialize;

use crate::dto::ClientView;
use crate::error::Result;
use crate::history::HistoryEntry;
use crate::Punkt;

/// One attachment with its bytes (base64).
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentCopy {
    pub id: String,
    pub name: String,
    pub mime: String,
    /// `None` when the bytes have not reached this laptop (sync first).
    pub base64: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessRequest {
    pub generated_at: String,
    /// The controller of the file.
    pub organisation: String,
    pub file: ClientView,
    /// Who changed the file and when (devices and authors, newest first).
    pub history: Vec<HistoryEntry>,
    pub attachments: Vec<AttachmentCopy>,
}

impl Punkt {
    /// Everything held on the person of file `id` (a merged file gives its survivor's).
    pub fn access_request(&self, id: &str) -> Result<AccessRequest> {
        let file = self.client_view(id)?;
        let history = self.client_history(&file.id)?;
        let mut attachments = Vec::with_capacity(file.attachments.len());
        for a in &file.attachments {
            let base64 = match self.attachment(&file.id, &a.id) {
                Ok(c) => Some(base64::engine::general_purpose::STANDARD.encode(c.bytes)),
                Err(crate::CoreError::NotReceived(_)) => None,
                Err(e) => return Err(e),
            };
            attachments.push(AttachmentCopy {
                id: a.id.clone(),
                name: a.name.clone(),
                mime: a.mime.clone(),
                base64,
            });
        }
        Ok(AccessRequest {
            generated_at: self
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            organisation: file.organisation.clone(),
            file,
            history,
            attachments,
        })
    }
}
