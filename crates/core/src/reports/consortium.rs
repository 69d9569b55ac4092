//! Counting the people the whole consortium reached, each once, without pooling who they are.
//!
//! Each organisation's coordinator sends the server, per month, a keyed hash of every person
//! its files show as helped that month (HMAC-SHA-256 of the normalised identity under the
//! consortium key) with the services they received. The server counts distinct hashes across
//! organisations and answers with numbers only. The key is shared by the coordinators and
//! never given to the server, so the server cannot test a guessed name against the hashes.
//! What the server can and cannot learn is in `docs/consortium-counting.md`.
//!
//! The normalised identity is the file's identity key (the spelling skeletons of the names, in
//! any order, transliterated from the original script when there is no Latin spelling, and
//! the birth date as recorded) and the first citizenship. Two organisations count one person
//! once when they spelled the name alike up to transliteration and recorded the same birth
//! date and first citizenship; hashes cannot be matched approximately, by design.

use std::collections::{BTreeMap, BTreeSet};

use hmac::KeyInit;
use hmac::{Hmac, Mac};
use punkt_store::erase::{META_TALLY_SENT, META_TALLY_STALE};
use punkt_sync::wire::{self, Code, ConsortiumCount, CountQuery, Tally, TallyPerson, TallyReceipt};
use punkt_sync::{Hash, Request, Response};
use sha2::Sha256;

use crate::error::{CoreError, Result};
use crate::sync::{SyncSummary, Transport};
use crate::Punkt;

/// The consortium key, in the store's (encrypted) meta table.
const META_KEY: &str = "consortium_key";

/// The text whose keyed hash names a key (see [`key_id`]).
const KEY_ID_TEXT: &[u8] = b"punkt consortium key id";

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// A new random consortium key, as 64 hex digits in groups of eight (to read out or copy).
pub fn new_key() -> String {
    let mut key = [0u8; 32];
    punkt_store::os_random(&mut key);
    hex::encode(key)
        .as_bytes()
        .chunks(8)
        .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

/// Read a key typed or pasted with any spaces and dashes.
fn parse_key(text: &str) -> Result<[u8; 32]> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let bytes = hex::decode(&digits).map_err(|_| {
        CoreError::Invalid("a consortium key is 64 hexadecimal digits (0-9, a-f)".into())
    })?;
    bytes
        .try_into()
        .map_err(|_| CoreError::Invalid("a consortium key is 64 hexadecimal digits".into()))
}

/// A short name for a key that reveals nothing of it: coordinators compare it to know they
/// hold the same key, and the server refuses to count tallies made with different ones.
pub fn key_id(key: &[u8; 32]) -> String {
    hex::encode(&mac(key, &[KEY_ID_TEXT])[..8])
}

/// The hash of one person in the consortium tally. A file with no name at all counts as a
/// person of its own (never matched with another organisation's).
pub fn person_hash(
    key: &[u8; 32],
    identity_key: Option<&str>,
    citizenship: Option<&str>,
    client_id: &str,
) -> Hash {
    let identity = match identity_key {
        Some(k) => format!("{k}\n{}", citizenship.unwrap_or("")),
        None => format!("file:{client_id}"),
    };
    Hash(mac(key, &[b"punkt tally v1\n", identity.as_bytes()]))
}

impl Punkt {
    /// Keep the consortium key in this store; returns its id.
    pub fn set_consortium_key(&mut self, key: &str) -> Result<String> {
        let key = parse_key(key)?;
        self.store.set_meta(META_KEY, &hex::encode(key))?;
        Ok(key_id(&key))
    }

    /// Forget the key: this laptop no longer takes part (nor sends months again after
    /// erasures).
    pub fn forget_consortium_key(&mut self) -> Result<()> {
        self.stop_tallies()?;
        Ok(self.store.delete_meta(META_KEY)?)
    }

    /// The id of the consortium key this store holds, if it holds one.
    pub fn consortium_key_id(&self) -> Result<Option<String>> {
        Ok(self.consortium_key()?.map(|k| key_id(&k)))
    }

    fn consortium_key(&self) -> Result<Option<[u8; 32]>> {
        self.store
            .meta_value(META_KEY)?
            .map(|k| parse_key(&k))
            .transpose()
    }

    /// This organisation's tally for each month from `from` to `to` (`YYYY-MM`), a month with
    /// nobody helped included (so the server knows it is complete). What counts is the services
    /// this organisation gave (the consultation's organisation), in any file this laptop holds,
    /// from the index.
    pub fn consortium_tally(&self, from: &str, to: &str) -> Result<Vec<Tally>> {
        let key = self.consortium_key()?.ok_or_else(|| {
            CoreError::Invalid(
                "no consortium key on this laptop: a coordinator sets it with `punkt consortium key set`"
                    .into(),
            )
        })?;
        let months = wire::months(from, to).map_err(|e| CoreError::Invalid(e.to_string()))?;
        if months.len() > wire::limits::MAX_MONTHS {
            return Err(CoreError::Invalid(format!(
                "at most {} months at once",
                wire::limits::MAX_MONTHS
            )));
        }
        let first_day = format!("{}-01", months[0]);
        let last_day = format!("{}-31", months[months.len() - 1]);
        let org = self.organisation().to_string();
        // month -> person -> services
        let mut by_month: BTreeMap<String, BTreeMap<Hash, BTreeSet<String>>> = months
            .iter()
            .map(|m| (m.clone(), BTreeMap::new()))
            .collect();
        for f in self.store.tally_facts(&first_day, &last_day)? {
            if f.organisation != org {
                continue;
            }
            let person = person_hash(
                &key,
                f.identity_key.as_deref(),
                f.citizenship.as_deref(),
                &f.client_id,
            );
            if let Some(people) = by_month.get_mut(&f.month) {
                people.entry(person).or_default().insert(f.service);
            }
        }
        let key_id = key_id(&key);
        Ok(by_month
            .into_iter()
            .map(|(month, people)| Tally {
                key_id: key_id.clone(),
                resend: false,
                month,
                people: people
                    .into_iter()
                    .map(|(person, services)| TallyPerson {
                        person,
                        services: services.into_iter().collect(),
                    })
                    .collect(),
            })
            .collect())
    }

    /// Send this organisation's tally of `from..=to` to the server, one month per request;
    /// each replaces what was sent for that month before.
    pub fn send_consortium_tally(
        &mut self,
        t: &mut dyn Transport,
        from: &str,
        to: &str,
    ) -> Result<Vec<TallyReceipt>> {
        self.send_tallies(t, from, to, false, &mut SyncSummary::default())
    }

    fn send_tallies(
        &mut self,
        t: &mut dyn Transport,
        from: &str,
        to: &str,
        resend: bool,
        summary: &mut SyncSummary,
    ) -> Result<Vec<TallyReceipt>> {
        let mut receipts = Vec::new();
        let mut sent = self.store.tally_months(META_TALLY_SENT)?;
        let mut stale = self.store.tally_months(META_TALLY_STALE)?;
        for mut tally in self.consortium_tally(from, to)? {
            tally.resend = resend;
            let month = tally.month.clone();
            let receipt = match self.round(t, summary, &Request::Tally(tally))? {
                Response::Tally(r) => r,
                _ => {
                    return Err(CoreError::Sync(
                        "the server answered a tally with something else".into(),
                    ))
                }
            };
            // Sent from here: an erasure will make this laptop send it again. Not stored (a
            // resend of a month the administrator deleted): nothing to send again, ever.
            // Kept after each month, so a send cut short remembers what went.
            if receipt.stored {
                sent.insert(month.clone());
            } else {
                sent.remove(&month);
            }
            stale.remove(&month);
            self.store.set_tally_months(META_TALLY_SENT, &sent)?;
            self.store.set_tally_months(META_TALLY_STALE, &stale)?;
            receipts.push(receipt);
        }
        Ok(receipts)
    }

    /// The months whose tallies wait to be sent again: an erasure (made here or learnt from
    /// the server) noted those of the months this laptop sent that held the person, in the
    /// erasure's own transaction (`punkt_store::erase`).
    pub fn stale_tally_months(&self) -> Result<Vec<String>> {
        Ok(self
            .store
            .tally_months(META_TALLY_STALE)?
            .into_iter()
            .collect())
    }

    /// Send the stale months again, one by one (each only if the server still has the
    /// organisation's tally of it). The server decides who may: if it refuses this laptop
    /// (no longer a coordinator's), the laptop stops sending and says so once.
    pub(crate) fn resend_stale_tallies(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
    ) -> Result<usize> {
        let stale = self.store.tally_months(META_TALLY_STALE)?;
        if stale.is_empty() {
            return Ok(0);
        }
        if self.consortium_key()?.is_none() {
            // The key was forgotten since: this laptop no longer takes part.
            self.stop_tallies()?;
            return Ok(0);
        }
        let mut stored = 0;
        for month in &stale {
            match self.send_tallies(t, month, month, true, summary) {
                Ok(receipts) => stored += receipts.iter().filter(|r| r.stored).count(),
                Err(
                    e @ CoreError::SyncRefused {
                        code: Code::Forbidden,
                        ..
                    },
                ) => {
                    self.stop_tallies()?;
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(stored)
    }

    /// Forget which months this laptop sent and which wait to be sent again.
    fn stop_tallies(&self) -> Result<()> {
        self.store.delete_meta(META_TALLY_SENT)?;
        self.store.delete_meta(META_TALLY_STALE)?;
        Ok(())
    }

    /// The consortium-wide count of `from..=to` (`YYYY-MM`), from every organisation's tally.
    pub fn consortium_count(
        &self,
        t: &mut dyn Transport,
        from: &str,
        to: &str,
    ) -> Result<ConsortiumCount> {
        wire::months(from, to).map_err(|e| CoreError::Invalid(e.to_string()))?;
        let q = CountQuery {
            from: from.to_string(),
            to: to.to_string(),
        };
        match self.ask(t, &Request::ConsortiumCount(q))? {
            Response::ConsortiumCount(c) => Ok(c),
            _ => Err(CoreError::Sync(
                "the server answered a count with something else".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_with_any_grouping_and_named_without_revealing_them() {
        let k = new_key();
        assert_eq!(k.len(), 64 + 7);
        let a = parse_key(&k).unwrap();
        assert_eq!(parse_key(&k.replace('-', " ").to_uppercase()).unwrap(), a);
        assert!(parse_key("abc").is_err());
        assert!(parse_key(&"zz".repeat(32)).is_err());
        let id = key_id(&a);
        assert_eq!(id.len(), 16);
        assert!(!k.replace('-', "").contains(&id));
        assert_ne!(key_id(&parse_key(&new_key()).unwrap()), id);
    }

    #[test]
    fn one_identity_one_hash_per_key() {
        let k1 = [1u8; 32];
        let k2 = [2u8; 32];
        let h = |k: &[u8; 32], id: Option<&str>, c: Option<&str>, file: &str| {
            person_hash(k, id, c, file)
        };
        let olena = Some("kovalenko olena|1990-05-03");
        assert_eq!(
            h(&k1, olena, Some("UA"), "a"),
            h(&k1, olena, Some("UA"), "b")
        );
        assert_ne!(
            h(&k1, olena, Some("UA"), "a"),
            h(&k2, olena, Some("UA"), "a")
        );
        assert_ne!(
            h(&k1, olena, Some("UA"), "a"),
            h(&k1, olena, Some("BY"), "a")
        );
        assert_ne!(h(&k1, olena, Some("UA"), "a"), h(&k1, olena, None, "a"));
        // Nameless files never match each other.
        assert_ne!(h(&k1, None, Some("UA"), "a"), h(&k1, None, Some("UA"), "b"));
    }
}
