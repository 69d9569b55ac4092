//! The key file: the store's random data key, wrapped by a key derived from the passphrase.
//!
//! The database is encrypted with a random 256-bit data key handed to SQLCipher as a raw key
//! (so SQLCipher's own PBKDF2 is skipped). That data key is wrapped with XChaCha20-Poly1305
//! under a key derived from the passphrase with Argon2id; the key file holds the Argon2
//! parameters, the salt and the wrapped key, and nothing personal. Changing the passphrase
//! rewrites only this file. A wrong passphrase fails the AEAD tag: the store is never opened
//! with a wrong key.

use std::fs;
use std::io::Write;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Result, StoreError};

/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// Argon2id cost: 64 MiB, 3 passes, 1 lane (measured on the 2-core reference machine in
/// docs/benchmarks.md; it is most of the cold-open time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl KdfParams {
    /// Cheap costs for tests only: a store made with them falls to a guessing attack at once.
    pub const FOR_TESTS: KdfParams = KdfParams {
        m_kib: 1024,
        t: 1,
        p: 1,
    };

    /// The default costs, or [`KdfParams::FOR_TESTS`] when `PUNKT_TEST_FAST_KDF=1` (the test
    /// suites of the command and the desktop app set it) in a debug build: a release build
    /// ignores it, so no environment variable can weaken a real store.
    pub fn from_env() -> KdfParams {
        if cfg!(debug_assertions) && std::env::var("PUNKT_TEST_FAST_KDF").as_deref() == Ok("1") {
            KdfParams::FOR_TESTS
        } else {
            KdfParams::default()
        }
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams {
            m_kib: 64 * 1024,
            t: 3,
            p: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeyFileV1 {
    format: String,
    version: u32,
    kdf: String,
    params: KdfParams,
    salt: String,
    aead: String,
    nonce: String,
    wrapped_key: String,
}

const FORMAT: &str = "punkt-key";

/// The data key, wiped from memory when dropped (each copy its own).
#[derive(Clone)]
pub struct DataKey(pub(crate) Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn random() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        crate::os_random(k.as_mut());
        DataKey(k)
    }

    /// The SQLCipher raw-key literal: `x'…'`.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0.as_ref())))
    }
}

/// The most a file may ask the key derivation to cost: 256 MiB (four times the default), 10
/// passes, 8 lanes. The parameters come from the key file or a sealed file, which someone
/// else may have made: a hostile one must not make a laptop allocate gigabytes or spin for
/// minutes before the passphrase is even checked.
pub const MAX_KDF: KdfParams = KdfParams {
    m_kib: 256 * 1024,
    t: 10,
    p: 8,
};

/// The key-encryption key for `passphrase` (Argon2id), refused for parameters past
/// [`MAX_KDF`].
pub(crate) fn derive(
    passphrase: &str,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>> {
    if params.m_kib > MAX_KDF.m_kib || params.t > MAX_KDF.t || params.p > MAX_KDF.p {
        return Err(StoreError::BadKeyFile(format!(
            "the file asks for a key derivation of {} MiB, {} passes and {} lanes, more than \
             Punkt ever makes ({} MiB, {} passes, {} lanes): refused",
            params.m_kib / 1024,
            params.t,
            params.p,
            MAX_KDF.m_kib / 1024,
            MAX_KDF.t,
            MAX_KDF.p
        )));
    }
    let p = Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|e| StoreError::BadKeyFile(format!("invalid key derivation parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| StoreError::BadKeyFile(format!("key derivation failed: {e}")))?;
    Ok(out)
}

/// A fresh salt (for Argon2id) and nonce (for XChaCha20-Poly1305), from the system's random
/// source.
pub(crate) fn fresh_salt_and_nonce() -> ([u8; 16], [u8; 24]) {
    let mut salt = [0u8; 16];
    crate::os_random(&mut salt);
    let mut nonce = [0u8; 24];
    crate::os_random(&mut nonce);
    (salt, nonce)
}

/// The cipher under `key`: XChaCha20-Poly1305, for key files and sealed files alike.
fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&chacha20poly1305::Key::from(*key))
}

/// `msg` encrypted under `key` with `nonce`, bound to `aad`.
pub(crate) fn seal_with(
    key: &[u8; 32],
    nonce: &[u8; 24],
    msg: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>> {
    cipher(key)
        .encrypt(&XNonce::from(*nonce), Payload { msg, aad })
        .map_err(|_| StoreError::BadKeyFile("could not encrypt".into()))
}

/// What [`seal_with`] sealed; `Err(WrongPassphrase)` when the key is not the one it was
/// sealed under or the bytes were altered (the tag fails), nothing read.
pub(crate) fn open_with(
    key: &[u8; 32],
    nonce: &[u8],
    sealed: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>> {
    let nonce: [u8; 24] = nonce
        .try_into()
        .map_err(|_| StoreError::BadKeyFile("a nonce of the wrong length".into()))?;
    cipher(key)
        .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad })
        .map_err(|_| StoreError::WrongPassphrase)
}

/// Words zxcvbn's English lists do not know but a Polish, Ukrainian or Russian speaker in
/// this work would reach for first: counted as guessable.
pub const GUESSABLE: &[&str] = &[
    "punkt",
    "haslo",
    "hasło",
    "haselko",
    "kocham",
    "polska",
    "warszawa",
    "lublin",
    "poznan",
    "poznań",
    "wroclaw",
    "wrocław",
    "fundacja",
    "pomoc",
    "uchodzca",
    "uchodźca",
    "migrant",
    "prawnik",
    "doradca",
    "klient",
    "biuro",
    "ukraina",
    "україна",
    "kyiv",
    "kijow",
    "київ",
    "пароль",
    "кохаю",
    "люблю",
    "свобода",
    "slava",
    "слава",
    "zaq12wsx",
    "qwertyuiop",
];

/// Zxcvbn's score (0–4) a new passphrase must reach.
pub const MIN_PASSPHRASE_SCORE: u8 = 3;

/// A new passphrase must be at least [`MIN_PASSPHRASE_CHARS`] long and score at least
/// [`MIN_PASSPHRASE_SCORE`] with zxcvbn (its lists plus [`GUESSABLE`]): it is all that stands
/// between a stolen laptop and the people in it. Existing passphrases still unlock.
pub(crate) fn check_strength(passphrase: &str) -> Result<()> {
    if !strong_enough(passphrase) {
        return Err(StoreError::WeakPassphrase(MIN_PASSPHRASE_CHARS));
    }
    Ok(())
}

/// Whether `passphrase` is accepted for a new store, key file or sealed file.
pub fn strong_enough(passphrase: &str) -> bool {
    passphrase.chars().count() >= MIN_PASSPHRASE_CHARS
        && u8::from(zxcvbn::zxcvbn(passphrase, GUESSABLE).score()) >= MIN_PASSPHRASE_SCORE
}

/// Wrap `key` under `passphrase` and write the key file atomically (temp file, fsync, rename).
pub fn write(path: &Path, passphrase: &str, key: &DataKey, params: KdfParams) -> Result<()> {
    check_strength(passphrase)?;
    let (salt, nonce) = fresh_salt_and_nonce();
    let kek = derive(passphrase, &salt, params)?;
    let wrapped = seal_with(&kek, &nonce, key.0.as_ref(), FORMAT.as_bytes())?;
    let file = KeyFileV1 {
        format: FORMAT.into(),
        version: 1,
        kdf: "argon2id".into(),
        params,
        salt: hex::encode(salt),
        aead: "xchacha20poly1305".into(),
        nonce: hex::encode(nonce),
        wrapped_key: hex::encode(wrapped),
    };
    let json = serde_json::to_vec_pretty(&file).expect("key file serialises");
    let tmp = path.with_extension("key.tmp");
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&json)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        // Make the rename durable.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Read the key file and unwrap the data key with `passphrase`.
pub fn unlock(path: &Path, passphrase: &str) -> Result<DataKey> {
    let bytes = fs::read(path)?;
    let file: KeyFileV1 =
        serde_json::from_slice(&bytes).map_err(|e| StoreError::BadKeyFile(e.to_string()))?;
    if file.format != FORMAT || file.version != 1 || file.kdf != "argon2id" {
        return Err(StoreError::BadKeyFile(format!(
            "unknown key file format {} v{} ({})",
            file.format, file.version, file.kdf
        )));
    }
    let dec = |s: &str, what: &str| {
        hex::decode(s).map_err(|_| StoreError::BadKeyFile(format!("{what} is not hex")))
    };
    let salt = dec(&file.salt, "salt")?;
    let nonce = dec(&file.nonce, "nonce")?;
    let wrapped = dec(&file.wrapped_key, "wrapped key")?;
    if nonce.len() != 24 || wrapped.len() != 48 {
        return Err(StoreError::BadKeyFile("wrong field lengths".into()));
    }
    let kek = derive(passphrase, &salt, file.params)?;
    let mut plain = open_with(&kek, &nonce, &wrapped, FORMAT.as_bytes())?;
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&plain);
    plain.zeroize();
    Ok(DataKey(key))
}

/// The Argon2 parameters recorded in a key file.
pub fn params_of(path: &Path) -> Result<KdfParams> {
    let bytes = fs::read(path)?;
    let file: KeyFileV1 =
        serde_json::from_slice(&bytes).map_err(|e| StoreError::BadKeyFile(e.to_string()))?;
    Ok(file.params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::FAST;

    /// The key derivation gives what the Argon2 reference implementation gives (computed
    /// with argon2-cffi, which wraps it): key files written by any earlier Punkt, whatever
    /// version of the argon2 crate it used, still open.
    #[test]
    fn argon2id_matches_the_reference_implementation() {
        let salt: Vec<u8> = (1..=16).collect();
        let k = derive("correct horse battery", &salt, FAST).unwrap();
        assert_eq!(
            hex::encode(k.as_ref()),
            "e6e03c533c1206d42ab45a4940bdd2f54cac3d4390c6fad888910c506fd7ebcf"
        );
    }

    /// The passphrases the test suites and the end-to-end runs create stores with pass the
    /// rule (a suite that cannot make a store tests nothing).
    #[test]
    fn the_suites_passphrases_are_strong_enough() {
        for p in [
            "a long passphrase for e2e",
            "cli passphrase 123",
            "benchmark passphrase",
            "a long enough passphrase",
            "device passphrase",
            "a long passphrase for a test store",
            "correct horse battery",
        ] {
            assert!(strong_enough(p), "{p}");
        }
    }

    #[test]
    fn wrap_unwrap_and_refuse_wrong_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("punkt.key");
        let key = DataKey::random();
        write(&path, "correct horse battery", &key, FAST).unwrap();
        let back = unlock(&path, "correct horse battery").unwrap();
        assert_eq!(back.0.as_ref(), key.0.as_ref());
        assert!(matches!(
            unlock(&path, "correct horse batterx"),
            Err(StoreError::WrongPassphrase)
        ));
        for weak in [
            "short",
            "password1234",
            "qwertyuiop12",
            "aaaaaaaaaaaaaaaa",
            "warszawa2026",
        ] {
            assert!(
                matches!(
                    write(&path, weak, &key, FAST),
                    Err(StoreError::WeakPassphrase(12))
                ),
                "{weak} was accepted"
            );
        }
        fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            unlock(&path, "correct horse battery"),
            Err(StoreError::BadKeyFile(_))
        ));
    }
}
