//! Concurrent edits of the same field, shown instead of hidden.
//!
//! When two laptops set the same field while apart, Automerge keeps both values; a hydrated
//! client file shows only one (Automerge's deterministic winner). These functions find every
//! field that holds more than one value, so the client file's JSON lists them and a person
//! picks; [`Punkt::resolve_conflict`] writes the chosen value, which supersedes all of them.

use automerge::{
    transaction::Transactable, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT,
};
use serde::Serialize;

use punkt_model::schema::{migrate_client, read_client};
use punkt_store::documents::DocumentUpdate;

use crate::error::{CoreError, Result};
use crate::{changes_after, heads_bytes, indexing, open_client_doc, Punkt};

/// Fields every edit sets: concurrent values there are bookkeeping, not a disagreement.
const BOOKKEEPING: &[&str] = &["updated_at"];

/// One field with concurrent values.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldConflict {
    /// Dotted path from the file's root: `person.family_name`, `consultations.<id>.date`.
    pub path: String,
    /// Every value, the one the file currently shows first.
    pub values: Vec<serde_json::Value>,
}

fn scalar_json(s: &ScalarValue) -> serde_json::Value {
    use serde_json::Value as J;
    match s {
        ScalarValue::Str(t) => J::String(t.to_string()),
        ScalarValue::Int(i) => J::from(*i),
        ScalarValue::Uint(u) => J::from(*u),
        ScalarValue::F64(f) => J::from(*f),
        ScalarValue::Boolean(b) => J::Bool(*b),
        ScalarValue::Null => J::Null,
        ScalarValue::Timestamp(t) => J::from(*t),
        ScalarValue::Counter(c) => J::from(i64::from(c)),
        ScalarValue::Bytes(b) => J::String(hex::encode(b)),
        ScalarValue::Unknown { bytes, .. } => J::String(hex::encode(bytes)),
    }
}

fn value_json(doc: &AutoCommit, value: &Value<'_>, id: &ObjId) -> serde_json::Value {
    match value {
        Value::Scalar(s) => scalar_json(s),
        Value::Object(ObjType::Text) => serde_json::Value::String(doc.text(id).unwrap_or_default()),
        Value::Object(ObjType::List) => serde_json::Value::Array(
            (0..doc.length(id))
                .filter_map(|i| doc.get(id, i).ok().flatten())
                .map(|(v, child)| value_json(doc, &v, &child))
                .collect(),
        ),
        Value::Object(_) => serde_json::Value::Object(
            doc.keys(id)
                .filter_map(|k| {
                    let (v, child) = doc.get(id, k.as_str()).ok().flatten()?;
                    Some((k.clone(), value_json(doc, &v, &child)))
                })
                .collect(),
        ),
    }
}

fn walk(doc: &AutoCommit, obj: &ObjId, path: &str, out: &mut Vec<FieldConflict>) {
    let child_path = |p: &str| {
        if path.is_empty() {
            p.to_string()
        } else {
            format!("{path}.{p}")
        }
    };
    match doc.object_type(obj) {
        Ok(ObjType::Map) | Ok(ObjType::Table) => {
            for key in doc.keys(obj) {
                let Ok(all) = doc.get_all(obj, key.as_str()) else {
                    continue;
                };
                let here = child_path(&key);
                if all.len() > 1 && !(path.is_empty() && BOOKKEEPING.contains(&key.as_str())) {
                    // The winner (what `get` returns) first.
                    let winner = doc.get(obj, key.as_str()).ok().flatten().map(|(_, id)| id);
                    let mut values: Vec<(bool, serde_json::Value)> = all
                        .iter()
                        .map(|(v, id)| (Some(id) == winner.as_ref(), value_json(doc, v, id)))
                        .collect();
                    values.sort_by_key(|(w, _)| !*w);
                    out.push(FieldConflict {
                        path: here.clone(),
                        values: values.into_iter().map(|(_, v)| v).collect(),
                    });
                }
                if let Ok(Some((Value::Object(_), id))) = doc.get(obj, key.as_str()) {
                    walk(doc, &id, &here, out);
                }
            }
        }
        Ok(ObjType::List) => {
            for i in 0..doc.length(obj) {
                if let Ok(Some((Value::Object(_), id))) = doc.get(obj, i) {
                    walk(doc, &id, &child_path(&i.to_string()), out);
                }
            }
        }
        _ => {}
    }
}

/// Every field of `doc` holding concurrent values.
pub fn conflicts_in(doc: &AutoCommit) -> Vec<FieldConflict> {
    let mut out = Vec::new();
    walk(doc, &ROOT, "", &mut out);
    out
}

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
