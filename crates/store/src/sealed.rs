//! Passphrase-sealed files: for carrying changes on a USB stick between machines without a
//! network. `PKSEALED` magic, a version byte, the Argon2id parameters and salt, a nonce, and
//! the XChaCha20-Poly1305 ciphertext of the content. A wrong passphrase or a damaged file fails
//! the tag: nothing is read from it.

use crate::error::{Result, StoreError};
use crate::keyfile::{
    check_strength, derive, fresh_salt_and_nonce, open_with, seal_with, KdfParams,
};

const MAGIC: &[u8; 8] = b"PKSEALED";
const VERSION: u8 = 1;
const HEADER: usize = 8 + 1 + 12 + 16 + 24;

/// Encrypt `content` under `passphrase`.
pub fn seal(passphrase: &str, content: &[u8], params: KdfParams) -> Result<Vec<u8>> {
    check_strength(passphrase)?;
    let (salt, nonce) = fresh_salt_and_nonce();
    let k = derive(passphrase, &salt, params)?;
    let mut out = Vec::with_capacity(HEADER + content.len() + 16);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    for v in [params.m_kib, params.t, params.p] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    let sealed = seal_with(&k, &nonce, content, &out[..HEADER])?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypt a sealed file. `Err(WrongPassphrase)` when the passphrase is wrong or the file was
/// altered; `Err(BadKeyFile)` when it is not a sealed file at all.
pub fn unseal(passphrase: &str, sealed: &[u8]) -> Result<Vec<u8>> {
    if sealed.len() < HEADER + 16 || &sealed[..8] != MAGIC {
        return Err(StoreError::BadKeyFile("not a Punkt sealed file".into()));
    }
    if sealed[8] != VERSION {
        return Err(StoreError::BadKeyFile(format!(
            "sealed file version {} is not supported",
            sealed[8]
        )));
    }
    let num = |i: usize| u32::from_be_bytes(sealed[i..i + 4].try_into().expect("4 bytes"));
    let params = KdfParams {
        m_kib: num(9),
        t: num(13),
        p: num(17),
    };
    let salt = &sealed[21..37];
    let nonce = &sealed[37..61];
    let k = derive(passphrase, salt, params)?;
    open_with(&k, nonce, &sealed[HEADER..], &sealed[..HEADER])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::FAST;

    #[test]
    fn seal_and_unseal() {
        let s = seal("a long passphrase", b"changes for the office", FAST).unwrap();
        assert!(
            !s.windows(7).any(|w| w == b"changes"),
            "no plaintext in the file"
        );
        assert_eq!(
            unseal("a long passphrase", &s).unwrap(),
            b"changes for the office"
        );
        assert!(matches!(
            unseal("another passphrase", &s),
            Err(StoreError::WrongPassphrase)
        ));
        let mut bad = s.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(matches!(
            unseal("a long passphrase", &bad),
            Err(StoreError::WrongPassphrase)
        ));
        assert!(matches!(
            unseal("a long passphrase", b"PK"),
            Err(StoreError::BadKeyFile(_))
        ));
    }

    /// A hostile file asking for 512 MiB of key derivation (or 32 passes, or 12 lanes) is refused at
    /// once, before any memory is taken.
    #[test]
    fn a_file_asking_for_a_costly_key_derivation_is_refused_at_once() {
        let s = seal("a long passphrase", b"changes", FAST).unwrap();
        for (offset, value) in [(9, 512 * 1024u32), (13, 32), (17, 12)] {
            let mut hostile = s.clone();
            hostile[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
            let started = std::time::Instant::now();
            let e = unseal("a long passphrase", &hostile).unwrap_err();
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
            match e {
                StoreError::BadKeyFile(m) => assert!(m.contains("more than"), "{m}"),
                other => panic!("{other:?}"),
            }
        }
    }
}
