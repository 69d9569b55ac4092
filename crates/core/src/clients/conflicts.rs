//! Concurrent edits of the same field, shown instead of hidden.
//!
//! When two laptops set the same field while apart, Automerge keeps both values; a hydrated
//! client file shows only one (Automerge's deterministic winner). These functions find every
//! field that holds more than one value, so the client file's JSON lists them and a person
//! picks; [`Punkt::resolve_conflict`] writes the chosen value, which supersedes all of them.
//! Finding them is `concurrent.rs`, which the index uses too.

use automerge::{transaction::Transactable, ReadDoc, ScalarValue, Value, ROOT};

use punkt_model::schema::{migrate_client, read_client};
use punkt_store::documents::DocumentUpdate;

use crate::error::{CoreError, Result};
use crate::{changes_after, heads_bytes, indexing, open_client_doc, Punkt};

pub use super::concurrent::{conflicts_in, FieldConflict};

fn json_scalar(v: &serde_json::Value) -> Result<ScalarValue> {
    Ok(match v {
        serde_json::Value::String(s) => ScalarValue::Str(s.as_str().into()),
        serde_json::Value::Bool(b) => ScalarValue::Boolean(*b),
        serde_json::Value::Null => ScalarValue::Null,
        serde_json::Value::Number(n) if n.is_u64() => {
            ScalarValue::Uint(n.as_u64().unwrap_or_default())
        }
        serde_json::Value::Number(n) if n.is_i64() => {
            ScalarValue::Int(n.as_i64().unwrap_or_default())
        }
        serde_json::Value::Number(n) => ScalarValue::F64(n.as_f64().unwrap_or_default()),
        _ => {
            return Err(CoreError::Invalid(
                "a field is resolved with a single value (text, number, true/false or null)".into(),
            ))
        }
    })
}

impl Punkt {
    /// The fields of a client file with concurrent values.
    pub fn conflicts(&self, id: &str) -> Result<Vec<FieldConflict>> {
        let stored = self
            .store
            .load_document(id)
            .map_err(|e| self.missing_client(id, e))?;
        let doc = open_client_doc(&stored, &self.actor)?;
        Ok(conflicts_in(&doc))
    }

    /// Settle a conflicted field with `value`: one write that supersedes every concurrent
    /// value. Refused (and nothing written) if the field has no conflict or the value would make
    /// the file unreadable.
    pub fn resolve_conflict(
        &mut self,
        id: &str,
        path: &str,
        value: &serde_json::Value,
    ) -> Result<()> {
        let scalar = json_scalar(value)?;
        let now_text = self.now_text();
        let options = crate::commit_options(self.author(), self.now().timestamp());
        let actor = self.actor.clone();
        let result = self.store.edit_document(id, &now_text, |stored| {
            let mut doc = open_client_doc(&stored, &actor)?;
            if !conflicts_in(&doc).iter().any(|c| c.path == path) {
                return Err(CoreError::Invalid(format!(
                    "the field '{path}' has no conflicting values"
                )));
            }
            let before = doc.get_heads();
            let parts: Vec<&str> = path.split('.').collect();
            let (last, parents) = parts.split_last().expect("a path has a part");
            let mut obj = ROOT;
            for p in parents {
                obj = match doc.get(&obj, *p) {
                    Ok(Some((Value::Object(_), child))) => child,
                    _ => return Err(CoreError::Invalid(format!("no field '{path}'"))),
                };
            }
            doc.put(&obj, *last, scalar)
                .map_err(|e| CoreError::Invalid(format!("cannot set '{path}': {e}")))?;
            doc.put(ROOT, "updated_at", now_text.as_str())
                .map_err(|e| CoreError::Invalid(e.to_string()))?;
            doc.commit_with(options);
            // The resolved file must still read as a client file.
            let mut check = doc.fork();
            migrate_client(&mut check)?;
            let file = read_client(&check).map_err(|e| {
                CoreError::Invalid(format!("that value does not fit the field '{path}': {e}"))
            })?;
            let update = DocumentUpdate {
                changes: changes_after(&mut doc, &before),
                heads: heads_bytes(&doc.get_heads()),
                index: Some(indexing::client_index_in(&doc, &file).into()),
                sync: None,
            };
            Ok((Some(update), ()))
        });
        result.map_err(|e| match e {
            CoreError::Store(e) => self.missing_client(id, e),
            e => e,
        })
    }
}
