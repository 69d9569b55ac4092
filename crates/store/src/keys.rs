//! End-to-end encryption's keys on this laptop (docs/e2e.md): the device's X25519 secret, the
//! scope keys it was given or made, and each document's key. All inside the encrypted
//! database, handed out zeroised-on-drop; the store only keeps bytes, `punkt-e2e` uses them.

use rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

use crate::{Result, Store, StoreError};

/// A 32-byte key read from the store, zeroed when dropped.
pub type KeyBytes = Zeroizing<[u8; 32]>;

const META_DEVICE_SECRET: &str = "e2e_device_secret";

fn key_bytes(v: Vec<u8>) -> Result<KeyBytes> {
    let v = Zeroizing::new(v);
    let arr: [u8; 32] = v
        .as_slice()
        .try_into()
        .map_err(|_| StoreError::Corrupt("a stored key is not 32 bytes".into()))?;
    Ok(Zeroizing::new(arr))
}

impl Store {
    /// This laptop's X25519 secret, if it made one.
    pub fn device_secret(&self) -> Result<Option<KeyBytes>> {
        let Some(hexed) = self.meta_value(META_DEVICE_SECRET)?.map(Zeroizing::new) else {
            return Ok(None);
        };
        let bytes = hex::decode(hexed.as_str())
            .map_err(|_| StoreError::Corrupt("the device key is not hex".into()))?;
        key_bytes(bytes).map(Some)
    }

    pub fn set_device_secret(&self, secret: &[u8; 32]) -> Result<()> {
        let hexed = Zeroizing::new(hex::encode(secret));
        self.set_meta(META_DEVICE_SECRET, &hexed)
    }

    /// Keep epoch `epoch` of `org`'s `scope` key (a second write of the same epoch must carry
    /// the same key: a different one is refused, since data may already be wrapped under it).
    pub fn put_scope_key(&self, org: &str, scope: &str, epoch: u32, key: &[u8; 32]) -> Result<()> {
        if let Some(have) = self.scope_key(org, scope, epoch)? {
            if have.as_slice() != key.as_slice() {
                return Err(StoreError::KeyConflict(format!(
                    "another key for epoch {epoch} of {scope} of {org} is already here"
                )));
            }
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "INSERT INTO scope_keys(org, scope, epoch, key) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![org, scope, epoch, key.as_slice()])?;
        Ok(())
    }

    pub fn scope_key(&self, org: &str, scope: &str, epoch: u32) -> Result<Option<KeyBytes>> {
        self.conn
            .prepare_cached(
                "SELECT key FROM scope_keys WHERE org = ?1 AND scope = ?2 AND epoch = ?3",
            )?
            .query_row(params![org, scope, epoch], |r| r.get::<_, Vec<u8>>(0))
            .optional()?
            .map(key_bytes)
            .transpose()
    }

    /// The newest epoch of `org`'s `scope` key held here, and the key.
    pub fn newest_scope_key(&self, org: &str, scope: &str) -> Result<Option<(u32, KeyBytes)>> {
        self.conn
            .prepare_cached(
                "SELECT epoch, key FROM scope_keys WHERE org = ?1 AND scope = ?2
                 ORDER BY epoch DESC LIMIT 1",
            )?
            .query_row(params![org, scope], |r| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .optional()?
            .map(|(e, k)| key_bytes(k).map(|k| (e, k)))
            .transpose()
    }

    /// Every (organisation, scope, epoch) held here, sorted.
    pub fn scope_epochs(&self) -> Result<Vec<(String, String, u32)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT org, scope, epoch FROM scope_keys ORDER BY org, scope, epoch")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Forget the epochs of `org`'s `scope` before `epoch` (retired by a rotation): what is
    /// wrapped under them can no longer be opened here. Returns how many went.
    pub fn forget_scope_epochs_before(&self, org: &str, scope: &str, epoch: u32) -> Result<u64> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM scope_keys WHERE org = ?1 AND scope = ?2 AND epoch < ?3")?
            .execute(params![org, scope, epoch])?;
        Ok(n as u64)
    }

    /// Forget every scope key (a new enrolment: the server's epochs are its own).
    pub fn forget_scope_keys(&self) -> Result<()> {
        self.conn.execute("DELETE FROM scope_keys", [])?;
        Ok(())
    }

    /// Keep document `doc_id`'s key (the same key again is a no-op; another is refused).
    pub fn put_doc_key(&self, doc_id: &str, key: &[u8; 32]) -> Result<()> {
        if let Some(have) = self.doc_key(doc_id)? {
            if have.as_slice() != key.as_slice() {
                return Err(StoreError::KeyConflict(format!(
                    "document {doc_id} already has another key"
                )));
            }
            return Ok(());
        }
        self.conn
            .prepare_cached("INSERT INTO doc_keys(doc_id, key) VALUES (?1, ?2)")?
            .execute(params![doc_id, key.as_slice()])?;
        Ok(())
    }

    /// Keep many documents' keys in one transaction (a first sync's thousands).
    pub fn put_doc_keys(&self, keys: &[(String, KeyBytes)]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for (id, key) in keys {
            self.put_doc_key(id, key)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn doc_key(&self, doc_id: &str) -> Result<Option<KeyBytes>> {
        self.conn
            .prepare_cached("SELECT key FROM doc_keys WHERE doc_id = ?1")?
            .query_row([doc_id], |r| r.get::<_, Vec<u8>>(0))
            .optional()?
            .map(key_bytes)
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::FAST;
    use crate::Store;

    #[test]
    fn keys_are_kept_refused_when_they_differ_and_erased_with_their_document() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("s"), "passphrase-1", "A", FAST).unwrap();
        assert!(store.device_secret().unwrap().is_none());
        store.set_device_secret(&[5; 32]).unwrap();
        assert_eq!(*store.device_secret().unwrap().unwrap(), [5; 32]);

        store.put_scope_key("A", "org", 1, &[1; 32]).unwrap();
        store.put_scope_key("A", "org", 2, &[2; 32]).unwrap();
        store.put_scope_key("A", "org", 2, &[2; 32]).unwrap();
        assert!(store.put_scope_key("A", "org", 2, &[3; 32]).is_err());
        store
            .put_scope_key("A", "section:medical", 1, &[4; 32])
            .unwrap();
        let (epoch, key) = store.newest_scope_key("A", "org").unwrap().unwrap();
        assert_eq!((epoch, *key), (2, [2; 32]));
        assert!(store.newest_scope_key("B", "org").unwrap().is_none());
        assert_eq!(store.forget_scope_epochs_before("A", "org", 2).unwrap(), 1);
        assert!(store.scope_key("A", "org", 1).unwrap().is_none());
        assert_eq!(
            store.scope_epochs().unwrap(),
            vec![
                ("A".to_string(), "org".to_string(), 2),
                ("A".to_string(), "section:medical".to_string(), 1)
            ]
        );

        store.put_doc_key("doc-1", &[9; 32]).unwrap();
        store.put_doc_key("doc-1", &[9; 32]).unwrap();
        assert!(store.put_doc_key("doc-1", &[8; 32]).is_err());
        assert_eq!(*store.doc_key("doc-1").unwrap().unwrap(), [9; 32]);
        // Erasing the document destroys its key on this laptop.
        store
            .erase_documents(&["doc-1".to_string()], "2026-12-04T10:00:00Z", false)
            .unwrap();
        assert!(store.doc_key("doc-1").unwrap().is_none());
    }
}
