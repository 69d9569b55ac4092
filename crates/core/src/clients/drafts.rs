//! Drafts: what a person was typing (a visit's list of people, an intake half done), kept in
//! the encrypted store so closing the laptop mid-entry loses nothing. Drafts stay on this
//! laptop: they are not documents and never sync.

use crate::error::{CoreError, Result};
use crate::Punkt;

/// The largest draft kept (JSON text).
pub const MAX_DRAFT_BYTES: usize = 1 << 20;

fn meta_key(name: &str) -> Result<String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':');
    if !ok {
        return Err(CoreError::Invalid(format!("'{name}' is not a draft name")));
    }
    Ok(format!("draft:{name}"))
}

impl Punkt {
    /// Keep a draft under `name`, replacing the one there.
    pub fn save_draft(&self, name: &str, draft: &serde_json::Value) -> Result<()> {
        let key = meta_key(name)?;
        let text =
            serde_json::to_string(draft).map_err(|e| CoreError::Invalid(format!("draft: {e}")))?;
        if text.len() > MAX_DRAFT_BYTES {
            return Err(CoreError::Invalid(format!(
                "the draft is larger than {} KiB",
                MAX_DRAFT_BYTES / 1024
            )));
        }
        Ok(self.store.set_meta(&key, &text)?)
    }

    /// The draft kept under `name`, if any.
    pub fn draft(&self, name: &str) -> Result<Option<serde_json::Value>> {
        let key = meta_key(name)?;
        match self.store.meta_value(&key)? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| CoreError::Invalid(format!("the draft '{name}' is damaged: {e}"))),
        }
    }

    /// Forget the draft under `name` (nothing happens if there is none).
    pub fn delete_draft(&self, name: &str) -> Result<()> {
        Ok(self.store.delete_meta(&meta_key(name)?)?)
    }
}
