//! Reading documents of any schema version: the version check and the migrations on read.
//!
//! Migrations are changes to the Automerge document itself, made before hydration, so they merge
//! with other replicas like any edit. Version 0 is a document written before the version field
//! existed (early test builds): it lacks `kind` and `schema_version`.

use automerge::{
    transaction::Transactable, AutoCommit, ObjType, ReadDoc, ScalarValue, Value, ROOT,
};

use crate::client::{ClientFile, CLIENT_DOCUMENT_KIND, CLIENT_SCHEMA_VERSION};
use crate::error::ModelError;

/// The schema version stored in a document's root (0 when absent).
pub fn schema_version(doc: &AutoCommit) -> Result<u64, ModelError> {
    match doc
        .get(ROOT, "schema_version")
        .map_err(|e| ModelError::MalformedDocument(e.to_string()))?
    {
        None => Ok(0),
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Uint(u) => Ok(*u),
            ScalarValue::Int(i) if *i >= 0 => Ok(*i as u64),
            other => Err(ModelError::MalformedDocument(format!(
                "schema_version is {other:?}"
            ))),
        },
        Some(_) => Err(ModelError::MalformedDocument(
            "schema_version is not a number".into(),
        )),
    }
}

/// Bring a client-file document up to [`CLIENT_SCHEMA_VERSION`], writing the migration as a
/// change. Returns true when the document was changed.
pub fn migrate_client(doc: &mut AutoCommit) -> Result<bool, ModelError> {
    let version = schema_version(doc)?;
    if version > CLIENT_SCHEMA_VERSION {
        return Err(ModelError::SchemaTooNew {
            found: version,
            supported: CLIENT_SCHEMA_VERSION,
        });
    }
    if version == CLIENT_SCHEMA_VERSION {
        return Ok(false);
    }
    let err = |e: automerge::AutomergeError| ModelError::MalformedDocument(e.to_string());
    // 0 -> 1: stamp the kind and version, and create the containers a v0 file may lack. A
    // container made later by two replicas at once would be two objects in conflict, and one
    // side's text or entries would be hidden; made here, once, every later edit updates it in
    // place.
    if version == 0 {
        doc.put(ROOT, "kind", CLIENT_DOCUMENT_KIND).map_err(err)?;
        for key in [
            "legal_status",
            "vulnerabilities",
            "consents",
            "matters",
            "consultations",
            "deadlines",
        ] {
            if doc.get(ROOT, key).map_err(err)?.is_none() {
                doc.put_object(ROOT, key, ObjType::Map).map_err(err)?;
            }
        }
        if doc.get(ROOT, "summary").map_err(err)?.is_none() {
            doc.put_object(ROOT, "summary", ObjType::Text)
                .map_err(err)?;
        }
    }
    // 1 -> 2: attachments.
    if version <= 1 {
        doc.put(ROOT, "schema_version", 2u64).map_err(err)?;
        if doc.get(ROOT, "attachments").map_err(err)?.is_none() {
            doc.put_object(ROOT, "attachments", ObjType::Map)
                .map_err(err)?;
        }
    }
    // 2 -> 3: restricted sections and referrals.
    if version <= 2 {
        doc.put(ROOT, "schema_version", 3u64).map_err(err)?;
        for key in ["sections", "referrals"] {
            if doc.get(ROOT, key).map_err(err)?.is_none() {
                doc.put_object(ROOT, key, ObjType::Map).map_err(err)?;
            }
        }
    }
    // 3 -> 4: the statuses of parallel tracks (visa-free stay, UKR/NUE, CUKR...) and a
    // residence permit's purpose. Nothing to move: the number tells a laptop of an older
    // release to update (it could not read the new statuses) rather than fail on one file.
    if version <= 3 {
        doc.put(ROOT, "schema_version", 4u64).map_err(err)?;
    }
    // 4 -> 5: a consultation's project. Nothing to move; an older release must not rewrite a
    // consultation without the tag it cannot see.
    if version <= 4 {
        doc.put(ROOT, "schema_version", 5u64).map_err(err)?;
    }
    // 5 -> 6: the legal bases of processing, a map made here once (see 0 -> 1).
    if version <= 5 {
        doc.put(ROOT, "schema_version", 6u64).map_err(err)?;
        if doc.get(ROOT, "processing").map_err(err)?.is_none() {
            doc.put_object(ROOT, "processing", ObjType::Map)
                .map_err(err)?;
        }
    }
    Ok(true)
}

/// Hydrate a client file from a (migrated) document.
pub fn read_client(doc: &AutoCommit) -> Result<ClientFile, ModelError> {
    let version = schema_version(doc)?;
    if version > CLIENT_SCHEMA_VERSION {
        return Err(ModelError::SchemaTooNew {
            found: version,
            supported: CLIENT_SCHEMA_VERSION,
        });
    }
    let file: ClientFile =
        autosurgeon::hydrate(doc).map_err(|e| ModelError::MalformedDocument(e.to_string()))?;
    if file.kind != CLIENT_DOCUMENT_KIND {
        return Err(ModelError::MalformedDocument(format!(
            "expected a client file, found a document of kind '{}'",
            file.kind
        )));
    }
    Ok(file)
}
