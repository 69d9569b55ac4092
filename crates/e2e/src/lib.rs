//! End-to-end encryption of what laptops send through the sync server (issue 13,
//! `docs/e2e.md`). No I/O, no storage: keys in, bytes out.
//!
//! - A **document key** (random, one per document) encrypts its changes and snapshots with
//!   XChaCha20-Poly1305; the associated data binds each ciphertext to its document and to the
//!   change hash (or the heads a snapshot covers), so a server cannot move or swap them.
//! - A **scope key** (one per organisation, scope and epoch: `org`, `section:psychological`,
//!   `section:medical`) wraps document keys.
//! - A **device key pair** (X25519) receives scope keys sealed to it with HPKE (RFC 9180:
//!   X25519, HKDF-SHA256, ChaCha20-Poly1305); an **organisation key pair** is derived from
//!   each epoch of its org key, and referrals' document keys are sealed to its public half.
//! - Enrolment: the part of a one-time code that never reaches the server authenticates the
//!   new laptop's public key (`enrolment_mac`), and a six-digit `check_code` lets a person
//!   compare the key on both screens.
//!
//! Every sealed or wrapped form starts with a version byte, so the formats can change.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

type Kem = hpke::kem::X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type HpkeAead = hpke::aead::ChaCha20Poly1305;

/// The format byte every ciphertext starts with.
const V1: u8 = 1;
const NONCE: usize = 24;
const TAG: usize = 16;
/// A sealed key: version, HPKE encapsulated key, the 32-byte key, tag.
pub const SEALED_KEY_LEN: usize = 1 + 32 + 32 + TAG;
/// A wrapped key: version, nonce, the 32-byte key, tag.
pub const WRAPPED_KEY_LEN: usize = 1 + NONCE + 32 + TAG;
/// What encryption adds to a change or snapshot: version, nonce, tag.
pub const OVERHEAD: usize = 1 + NONCE + TAG;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum E2eError {
    /// Wrong key, or bytes changed or moved since they were sealed.
    #[error("the data does not open with this key (wrong key, or altered)")]
    Open,
    #[error("unknown encryption format {0}")]
    Format(u8),
    #[error("malformed {0}")]
    Malformed(&'static str),
}

pub type Result<T> = std::result::Result<T, E2eError>;

/// A 256-bit symmetric key (a document key or a scope key), zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A new random key from the operating system.
    pub fn random() -> SecretKey {
        let mut k = Zeroizing::new([0u8; 32]);
        os_random(k.as_mut());
        SecretKey(k)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SecretKey> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| E2eError::Malformed("key"))?;
        Ok(SecretKey(Zeroizing::new(arr)))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&chacha20poly1305::Key::try_from(&self.0[..]).expect("32 bytes"))
    }

    /// Encrypt `plain` with a fresh nonce: `V1 ‖ nonce ‖ ciphertext ‖ tag`.
    fn seal(&self, plain: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE];
        os_random(&mut nonce);
        let ct = self
            .cipher()
            .encrypt(
                &XNonce::try_from(&nonce[..]).expect("24 bytes"),
                Payload { msg: plain, aad },
            )
            .expect("XChaCha20-Poly1305 encrypts any length we send");
        let mut out = Vec::with_capacity(1 + NONCE + ct.len());
        out.push(V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let (&v, rest) = sealed
            .split_first()
            .ok_or(E2eError::Malformed("ciphertext"))?;
        if v != V1 {
            return Err(E2eError::Format(v));
        }
        if rest.len() < NONCE + TAG {
            return Err(E2eError::Malformed("ciphertext"));
        }
        let (nonce, ct) = rest.split_at(NONCE);
        self.cipher()
            .decrypt(
                &XNonce::try_from(nonce).expect("24 bytes"),
                Payload { msg: ct, aad },
            )
            .map_err(|_| E2eError::Open)
    }
}

/// Fill `buf` from the operating system's random source.
fn os_random(buf: &mut [u8]) {
    use rand::TryRng;
    rand::rngs::SysRng
        .try_fill_bytes(buf)
        .expect("the operating system gives no random bytes");
}

/// Associated data: a label and length-prefixed parts, so no two inputs share an encoding.
fn context(label: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(label.len() + 1 + parts.iter().map(|p| p.len() + 4).sum::<usize>());
    out.extend_from_slice(label.as_bytes());
    out.push(0);
    for p in parts {
        out.extend_from_slice(&(p.len() as u32).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn heads_bytes(heads: &[[u8; 32]]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort_unstable();
    sorted.concat()
}

// ---- document content ----

/// One Automerge change, encrypted under its document's key and bound to `doc_id` and `hash`.
pub fn seal_change(doc_key: &SecretKey, doc_id: &str, hash: &[u8; 32], change: &[u8]) -> Vec<u8> {
    doc_key.seal(
        change,
        &context("punkt/change/v1", &[doc_id.as_bytes(), hash]),
    )
}

pub fn open_change(
    doc_key: &SecretKey,
    doc_id: &str,
    hash: &[u8; 32],
    sealed: &[u8],
) -> Result<Vec<u8>> {
    doc_key.open(
        sealed,
        &context("punkt/change/v1", &[doc_id.as_bytes(), hash]),
    )
}

/// A saved document covering exactly `heads`, encrypted and bound to them.
pub fn seal_snapshot(
    doc_key: &SecretKey,
    doc_id: &str,
    heads: &[[u8; 32]],
    saved: &[u8],
) -> Vec<u8> {
    doc_key.seal(
        saved,
        &context(
            "punkt/snapshot/v1",
            &[doc_id.as_bytes(), &heads_bytes(heads)],
        ),
    )
}

pub fn open_snapshot(
    doc_key: &SecretKey,
    doc_id: &str,
    heads: &[[u8; 32]],
    sealed: &[u8],
) -> Result<Vec<u8>> {
    doc_key.open(
        sealed,
        &context(
            "punkt/snapshot/v1",
            &[doc_id.as_bytes(), &heads_bytes(heads)],
        ),
    )
}

// ---- wrapping document keys under scope keys ----

fn wrap_context(doc_id: &str, scope: &str, epoch: u32) -> Vec<u8> {
    context(
        "punkt/doc-key/v1",
        &[doc_id.as_bytes(), scope.as_bytes(), &epoch.to_be_bytes()],
    )
}

/// `doc_key` wrapped under epoch `epoch` of `scope`'s key, for document `doc_id`.
pub fn wrap_doc_key(
    scope_key: &SecretKey,
    doc_id: &str,
    scope: &str,
    epoch: u32,
    doc_key: &SecretKey,
) -> Vec<u8> {
    scope_key.seal(doc_key.as_bytes(), &wrap_context(doc_id, scope, epoch))
}

pub fn unwrap_doc_key(
    scope_key: &SecretKey,
    doc_id: &str,
    scope: &str,
    epoch: u32,
    wrapped: &[u8],
) -> Result<SecretKey> {
    let mut plain = scope_key.open(wrapped, &wrap_context(doc_id, scope, epoch))?;
    let key = SecretKey::from_bytes(&plain);
    plain.zeroize();
    key
}

// ---- key pairs and sealing to a public key ----

/// An X25519 key pair (a laptop's, or an organisation's for one epoch).
pub struct KeyPair {
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: [u8; 32],
}

impl KeyPair {
    /// A new random key pair.
    pub fn generate() -> KeyPair {
        let mut ikm = Zeroizing::new([0u8; 32]);
        os_random(ikm.as_mut());
        KeyPair::derive(ikm.as_ref())
    }

    /// The key pair HPKE derives from 32 bytes of key material (RFC 9180 DeriveKeyPair).
    fn derive(ikm: &[u8]) -> KeyPair {
        let (secret, public) = Kem::derive_keypair(ikm);
        let public = public.to_bytes().into();
        KeyPair { secret, public }
    }

    /// The organisation's key pair for the epoch whose org key is `org_key`: anyone holding
    /// that key derives the same pair, so it is never stored or sent.
    pub fn of_organisation(org_key: &SecretKey) -> KeyPair {
        let hk = hkdf::Hkdf::<Sha256>::new(None, org_key.as_bytes());
        let mut ikm = Zeroizing::new([0u8; 32]);
        hk.expand(b"punkt/org-kem/v1", ikm.as_mut())
            .expect("32 bytes is a valid HKDF output length");
        KeyPair::derive(ikm.as_ref())
    }

    /// The secret half, to keep in the encrypted store.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes().into())
    }

    pub fn from_secret_bytes(bytes: &[u8]) -> Result<KeyPair> {
        let secret = <Kem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map_err(|_| E2eError::Malformed("private key"))?;
        let public = Kem::sk_to_pk(&secret).to_bytes().into();
        Ok(KeyPair { secret, public })
    }

    pub fn public(&self) -> &[u8; 32] {
        &self.public
    }
}

const HPKE_INFO: &[u8] = b"punkt/seal/v1";

/// Seal a 32-byte key to `public`: `V1 ‖ encapsulated key ‖ ciphertext ‖ tag`.
pub fn seal_key_to(public: &[u8; 32], aad: &[u8], key: &SecretKey) -> Result<Vec<u8>> {
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(public)
        .map_err(|_| E2eError::Malformed("public key"))?;
    let (enc, ct) = hpke::single_shot_seal::<HpkeAead, Kdf, Kem>(
        &OpModeS::Base,
        &pk,
        HPKE_INFO,
        key.as_bytes(),
        aad,
    )
    .map_err(|_| E2eError::Malformed("public key"))?;
    let mut out = Vec::with_capacity(SEALED_KEY_LEN);
    out.push(V1);
    out.extend_from_slice(&enc.to_bytes());
    out.extend_from_slice(&ct);
    Ok(out)
}

pub fn open_key_sealed(pair: &KeyPair, aad: &[u8], sealed: &[u8]) -> Result<SecretKey> {
    let (&v, rest) = sealed
        .split_first()
        .ok_or(E2eError::Malformed("sealed key"))?;
    if v != V1 {
        return Err(E2eError::Format(v));
    }
    if rest.len() != SEALED_KEY_LEN - 1 {
        return Err(E2eError::Malformed("sealed key"));
    }
    let (enc, ct) = rest.split_at(32);
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(enc)
        .map_err(|_| E2eError::Malformed("sealed key"))?;
    let mut plain = hpke::single_shot_open::<HpkeAead, Kdf, Kem>(
        &OpModeR::Base,
        &pair.secret,
        &enc,
        HPKE_INFO,
        ct,
        aad,
    )
    .map_err(|_| E2eError::Open)?;
    let key = SecretKey::from_bytes(&plain);
    plain.zeroize();
    key
}

/// What a scope key sealed to a device is bound to.
pub fn grant_context(organisation: &str, scope: &str, epoch: u32, device_id: &str) -> Vec<u8> {
    context(
        "punkt/grant/v1",
        &[
            organisation.as_bytes(),
            scope.as_bytes(),
            &epoch.to_be_bytes(),
            device_id.as_bytes(),
        ],
    )
}

/// A device as an endorsement names it: which key (organisation, scope, epoch) and which
/// device (id and public key).
#[derive(Debug, Clone, Copy)]
pub struct Endorsee<'a> {
    pub organisation: &'a str,
    pub scope: &'a str,
    pub epoch: u32,
    pub device_id: &'a str,
    pub public: &'a [u8; 32],
}

/// A laptop's word, under an epoch of a scope key, that a device and its public key were
/// checked (its check code compared, or its split-code proof verified) when it was given that
/// key. When the key is rotated, a laptop holding the epoch gives the new one to every device
/// it can verify an endorsement of, without a person comparing check codes again; the server
/// cannot make one up.
pub fn endorse(scope_key: &SecretKey, who: &Endorsee) -> [u8; 32] {
    endorsement_mac(scope_key, who)
        .finalize()
        .into_bytes()
        .into()
}

/// Whether `mac` is [`endorse`]'s for these.
pub fn verify_endorsement(scope_key: &SecretKey, who: &Endorsee, mac: &[u8]) -> bool {
    endorsement_mac(scope_key, who).verify_slice(mac).is_ok()
}

fn endorsement_mac(scope_key: &SecretKey, who: &Endorsee) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256>>::new_from_slice(scope_key.as_bytes()).expect("any key length");
    mac.update(&context(
        "punkt/endorse/v1",
        &[
            who.organisation.as_bytes(),
            who.scope.as_bytes(),
            &who.epoch.to_be_bytes(),
            who.device_id.as_bytes(),
            who.public,
        ],
    ));
    mac
}

/// What a referral's document key sealed to the receiving organisation is bound to.
pub fn referral_context(doc_id: &str, to_organisation: &str, epoch: u32) -> Vec<u8> {
    context(
        "punkt/referral-key/v1",
        &[
            doc_id.as_bytes(),
            to_organisation.as_bytes(),
            &epoch.to_be_bytes(),
        ],
    )
}

// ---- enrolment ----

/// The characters of one-time codes (no 0/O, 1/I).
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Characters of a code the server sees; a coordinator's code adds `SECRET_CHARS` more.
pub const SERVER_CHARS: usize = 12;
pub const SECRET_CHARS: usize = 8;

/// A one-time code split into what the server sees and what it must never see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitCode {
    pub server_part: String,
    /// `None` for a code made by the server's administrator (no secret: the new laptop's key
    /// is confirmed by comparing check codes).
    pub secret_part: Option<String>,
}

/// Split a code as typed (dashes, spaces and case ignored).
pub fn split_code(code: &str) -> Result<SplitCode> {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match norm.len() {
        SERVER_CHARS => Ok(SplitCode {
            server_part: norm,
            secret_part: None,
        }),
        n if n == SERVER_CHARS + SECRET_CHARS => Ok(SplitCode {
            server_part: norm[..SERVER_CHARS].to_string(),
            secret_part: Some(norm[SERVER_CHARS..].to_string()),
        }),
        _ => Err(E2eError::Malformed("code")),
    }
}

/// A new secret part for a code (`SECRET_CHARS` characters, about 40 bits).
pub fn new_secret_part() -> String {
    let mut bytes = [0u8; SECRET_CHARS];
    os_random(&mut bytes);
    bytes
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect()
}

/// A code as shown to people: groups of four.
pub fn display_code(server_part: &str, secret_part: &str) -> String {
    let all = format!("{server_part}{secret_part}");
    all.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

/// The new laptop's proof that it knows the code's secret part, over its public key.
/// Argon2id first: the server sees this MAC, and without the slow step the 40-bit secret
/// could be found from it by trying them all.
pub fn enrolment_mac(code: &SplitCode, public: &[u8; 32]) -> Result<[u8; 32]> {
    Ok(enrolment_hmac(code, public)?.finalize().into_bytes().into())
}

/// True when `mac` proves knowledge of `code`'s secret for this key (compared in constant
/// time).
pub fn verify_enrolment_mac(code: &SplitCode, public: &[u8; 32], mac: &[u8]) -> bool {
    enrolment_hmac(code, public).is_ok_and(|m| m.verify_slice(mac).is_ok())
}

/// A code's record (its parts, the user and role it was made for), sealed under epoch `epoch`
/// of the organisation's key, so that any laptop of the organisation, and not the server, can
/// check a new laptop's proof. Bound to the organisation, the epoch and the code's hash.
pub fn seal_code_record(
    org_key: &SecretKey,
    organisation: &str,
    epoch: u32,
    code_hash: &[u8; 32],
    record: &[u8],
) -> Vec<u8> {
    org_key.seal(record, &code_context(organisation, epoch, code_hash))
}

pub fn open_code_record(
    org_key: &SecretKey,
    organisation: &str,
    epoch: u32,
    code_hash: &[u8; 32],
    sealed: &[u8],
) -> Result<Vec<u8>> {
    org_key.open(sealed, &code_context(organisation, epoch, code_hash))
}

fn code_context(organisation: &str, epoch: u32, code_hash: &[u8; 32]) -> Vec<u8> {
    context(
        "punkt/code-record/v1",
        &[organisation.as_bytes(), &epoch.to_be_bytes(), code_hash],
    )
}

fn enrolment_hmac(code: &SplitCode, public: &[u8; 32]) -> Result<Hmac<Sha256>> {
    let secret = code
        .secret_part
        .as_deref()
        .ok_or(E2eError::Malformed("code without a secret part"))?;
    let params = argon2::Params::new(19 * 1024, 2, 1, Some(32)).expect("valid Argon2 parameters");
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    let salt = context("punkt/enrol/v1", &[code.server_part.as_bytes()]);
    argon
        .hash_password_into(secret.as_bytes(), &salt, key.as_mut())
        .expect("Argon2 with a fixed output length");
    let mut mac = <Hmac<Sha256>>::new_from_slice(key.as_ref()).expect("any key length");
    mac.update(&context("punkt/enrol-mac/v1", &[public]));
    Ok(mac)
}

/// Six digits, `123 456`, from a public key: the same on the new laptop's screen and on the
/// coordinator's Team card when the server passed the key on unchanged.
pub fn check_code(public: &[u8; 32]) -> String {
    let digest = Sha256::digest(context("punkt/check/v1", &[public]));
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) % 1_000_000;
    format!("{:03} {:03}", n / 1000, n % 1000)
}

/// A short, stable id for a public key (the directory's tag of an organisation's key).
pub fn key_id(public: &[u8; 32]) -> [u8; 8] {
    let digest = Sha256::digest(context("punkt/key-id/v1", &[public]));
    digest[..8].try_into().expect("8 bytes")
}

// ---- organisations' keys, followed across rotations ----

/// One epoch of an organisation's published keys: the X25519 public key referrals are sealed
/// to ([`KeyPair::of_organisation`]) and the Ed25519 key its next epoch is signed with
/// ([`OrgSigner`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgEpochKeys<'a> {
    pub organisation: &'a str,
    pub epoch: u32,
    pub public: &'a [u8; 32],
    pub signing: &'a [u8; 32],
}

impl OrgEpochKeys<'_> {
    fn message(&self) -> Vec<u8> {
        context(
            "punkt/org-epoch/v1",
            &[
                self.organisation.as_bytes(),
                &self.epoch.to_be_bytes(),
                self.public,
                self.signing,
            ],
        )
    }
}

/// An organisation's signing key for one epoch, derived from that epoch's org key as its key
/// pair is (never stored or sent). It signs the next epoch's keys when the org key rotates,
/// so a laptop of another organisation that trusted one epoch follows the chain and refuses
/// a key the server made up.
pub struct OrgSigner(ed25519_dalek::SigningKey);

impl OrgSigner {
    pub fn of_organisation(org_key: &SecretKey) -> OrgSigner {
        let hk = hkdf::Hkdf::<Sha256>::new(None, org_key.as_bytes());
        let mut seed = Zeroizing::new([0u8; 32]);
        hk.expand(b"punkt/org-sign/v1", seed.as_mut())
            .expect("32 bytes is a valid HKDF output length");
        OrgSigner(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The public half, published with the epoch's keys.
    pub fn verifying_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// This epoch's word for the next one's keys.
    pub fn link(&self, next: &OrgEpochKeys) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.0.sign(&next.message()).to_bytes()
    }
}

fn rule_book_message(organisation: &str, epoch: u32, serial: u64, book: &str) -> Vec<u8> {
    context(
        "punkt/rule-book/v1",
        &[
            organisation.as_bytes(),
            &epoch.to_be_bytes(),
            &serial.to_be_bytes(),
            book.as_bytes(),
        ],
    )
}

impl OrgSigner {
    /// The organisation's signature of a rule book of deadlines (its JSON text and serial),
    /// which laptops of every organisation check before counting with it.
    pub fn sign_rule_book(
        &self,
        organisation: &str,
        epoch: u32,
        serial: u64,
        book: &str,
    ) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.0
            .sign(&rule_book_message(organisation, epoch, serial, book))
            .to_bytes()
    }
}

/// Whether `signature` is `organisation`'s signature, with its signing key of `epoch`
/// (`signing`), of the rule book `book` with `serial`.
pub fn verify_rule_book(
    signing: &[u8; 32],
    organisation: &str,
    epoch: u32,
    serial: u64,
    book: &str,
    signature: &[u8],
) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(signing) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(&rule_book_message(organisation, epoch, serial, book), &sig)
        .is_ok()
}

/// Whether `link` is the signature, by the previous epoch's signing key `previous`, of the
/// keys of `next` (strict verification: no malleable or weak-key signatures).
pub fn verify_link(previous: &[u8; 32], next: &OrgEpochKeys, link: &[u8]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(previous) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(link) else {
        return false;
    };
    key.verify_strict(&next.message(), &sig).is_ok()
}

/// What two coordinators read out to each other to check an organisation's keys of one epoch:
/// 32 hexadecimal digits in groups of four.
pub fn org_fingerprint(keys: &OrgEpochKeys) -> String {
    let digest = Sha256::digest(context("punkt/org-fingerprint/v1", &[&keys.message()]));
    hex_groups(&digest[..16])
}

fn hex_groups(bytes: &[u8]) -> String {
    bytes
        .chunks(2)
        .map(|c| c.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
