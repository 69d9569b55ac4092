//! Concurrent values of the same field, found in a client file's Automerge document: when two
//! laptops set a field while apart, Automerge keeps both, and a hydrated file shows only one.
//! A pure reading of the document, used by the index (its count of such fields) and by the
//! use cases that show and settle them (`conflicts.rs`).

use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use serde::Serialize;

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
