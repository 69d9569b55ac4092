use super::*;

const H1: [u8; 32] = [1; 32];
const H2: [u8; 32] = [2; 32];

#[test]
fn a_change_opens_only_with_its_key_document_and_hash() {
    let k = SecretKey::random();
    let sealed = seal_change(&k, "doc-a", &H1, b"the change");
    assert_eq!(sealed.len(), b"the change".len() + OVERHEAD);
    assert_eq!(
        open_change(&k, "doc-a", &H1, &sealed).unwrap(),
        b"the change"
    );
    // Moved to another document, passed off as another change, or under another key: refused.
    assert_eq!(open_change(&k, "doc-b", &H1, &sealed), Err(E2eError::Open));
    assert_eq!(open_change(&k, "doc-a", &H2, &sealed), Err(E2eError::Open));
    assert_eq!(
        open_change(&SecretKey::random(), "doc-a", &H1, &sealed),
        Err(E2eError::Open)
    );
    // One bit flipped anywhere: refused.
    for i in 1..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 1;
        assert_eq!(
            open_change(&k, "doc-a", &H1, &bad),
            Err(E2eError::Open),
            "byte {i}"
        );
    }
    // Another format, or too short to be anything: said so.
    let mut v2 = sealed.clone();
    v2[0] = 2;
    assert_eq!(open_change(&k, "doc-a", &H1, &v2), Err(E2eError::Format(2)));
    assert_eq!(
        open_change(&k, "doc-a", &H1, &sealed[..10]),
        Err(E2eError::Malformed("ciphertext"))
    );
    assert_eq!(
        open_change(&k, "doc-a", &H1, &[]),
        Err(E2eError::Malformed("ciphertext"))
    );
}

#[test]
fn the_same_change_sealed_twice_differs_and_both_open() {
    let k = SecretKey::random();
    let a = seal_change(&k, "d", &H1, b"x");
    let b = seal_change(&k, "d", &H1, b"x");
    assert_ne!(a, b, "a nonce was reused");
    assert_eq!(open_change(&k, "d", &H1, &b).unwrap(), b"x");
}

#[test]
fn a_snapshot_is_bound_to_its_heads_in_any_order() {
    let k = SecretKey::random();
    let sealed = seal_snapshot(&k, "d", &[H1, H2], b"saved");
    assert_eq!(
        open_snapshot(&k, "d", &[H2, H1], &sealed).unwrap(),
        b"saved"
    );
    assert_eq!(open_snapshot(&k, "d", &[H1], &sealed), Err(E2eError::Open));
    assert_eq!(
        open_snapshot(&k, "e", &[H1, H2], &sealed),
        Err(E2eError::Open)
    );
    // A change is not a snapshot, even with the same bytes around it.
    let change = seal_change(&k, "d", &H1, b"saved");
    assert_eq!(open_snapshot(&k, "d", &[H1], &change), Err(E2eError::Open));
}

#[test]
fn a_document_key_unwraps_only_for_its_document_scope_and_epoch() {
    let scope = SecretKey::random();
    let doc = SecretKey::random();
    let w = wrap_doc_key(&scope, "d", "org", 3, &doc);
    assert_eq!(w.len(), WRAPPED_KEY_LEN);
    assert_eq!(unwrap_doc_key(&scope, "d", "org", 3, &w).unwrap(), doc);
    for (id, s, e) in [
        ("x", "org", 3),
        ("d", "section:medical", 3),
        ("d", "org", 4),
    ] {
        assert_eq!(unwrap_doc_key(&scope, id, s, e, &w), Err(E2eError::Open));
    }
    assert_eq!(
        unwrap_doc_key(&SecretKey::random(), "d", "org", 3, &w),
        Err(E2eError::Open)
    );
}

#[test]
fn a_key_sealed_to_a_device_opens_only_there_with_the_same_context() {
    let laptop = KeyPair::generate();
    let other = KeyPair::generate();
    let scope = SecretKey::random();
    let aad = grant_context("Fundacja A", "org", 1, "dev-1");
    let sealed = seal_key_to(laptop.public(), &aad, &scope).unwrap();
    assert_eq!(sealed.len(), SEALED_KEY_LEN);
    assert_eq!(open_key_sealed(&laptop, &aad, &sealed).unwrap(), scope);
    assert_eq!(open_key_sealed(&other, &aad, &sealed), Err(E2eError::Open));
    // Handed to another device, or passed off as another scope or epoch: refused.
    for bad in [
        grant_context("Fundacja A", "org", 1, "dev-2"),
        grant_context("Fundacja A", "section:psychological", 1, "dev-1"),
        grant_context("Fundacja A", "org", 2, "dev-1"),
        grant_context("Fundacja B", "org", 1, "dev-1"),
    ] {
        assert_eq!(open_key_sealed(&laptop, &bad, &sealed), Err(E2eError::Open));
    }
    assert_eq!(
        open_key_sealed(&laptop, &aad, &sealed[..40]),
        Err(E2eError::Malformed("sealed key"))
    );
    // The secret half kept in the store gives the same pair back.
    let again = KeyPair::from_secret_bytes(laptop.secret_bytes().as_ref()).unwrap();
    assert_eq!(again.public(), laptop.public());
    assert_eq!(open_key_sealed(&again, &aad, &sealed).unwrap(), scope);
    assert!(KeyPair::from_secret_bytes(&[0u8; 5]).is_err());
}

#[test]
fn every_holder_of_an_org_key_derives_the_same_organisation_key_pair() {
    let org = SecretKey::random();
    let a = KeyPair::of_organisation(&org);
    let b = KeyPair::of_organisation(&SecretKey::from_bytes(org.as_bytes()).unwrap());
    assert_eq!(a.public(), b.public());
    assert_ne!(
        KeyPair::of_organisation(&SecretKey::random()).public(),
        a.public()
    );
    // A referral's key sealed to the organisation opens on any of its laptops.
    let doc = SecretKey::random();
    let aad = referral_context("ref-1", "Stowarzyszenie B", 1);
    let sealed = seal_key_to(a.public(), &aad, &doc).unwrap();
    assert_eq!(open_key_sealed(&b, &aad, &sealed).unwrap(), doc);
}

#[test]
fn the_organisation_key_pair_derivation_is_fixed() {
    // Laptops of different versions must derive the same pair from the same org key. The
    // known answers were computed apart from this code (Python: hmac/hashlib HKDF, RFC 9180
    // section 7.1.3 DeriveKeyPair with LabeledExtract/LabeledExpand, X25519 from the
    // `cryptography` package), so they check the construction, not only its stability.
    let org = SecretKey::from_bytes(&[7u8; 32]).unwrap();
    let pair = KeyPair::of_organisation(&org);
    assert_eq!(
        hex::encode(pair.public()),
        "b0161ccfb50cbad410b6580661f546124f4ea02beb5b56324fff0a363f78ab13"
    );
    assert_eq!(check_code(&[0u8; 32]), "231 802");
}

#[test]
fn codes_split_into_what_the_server_sees_and_the_secret() {
    let secret = new_secret_part();
    assert_eq!(secret.len(), SECRET_CHARS);
    let shown = display_code("ABCDEFGHJKLM", &secret);
    assert_eq!(shown.len(), 20 + 4);
    let split = split_code(&shown.to_lowercase()).unwrap();
    assert_eq!(split.server_part, "ABCDEFGHJKLM");
    assert_eq!(split.secret_part.as_deref(), Some(secret.as_str()));
    // The administrator's codes (12 characters) have no secret part.
    let admin = split_code("ABCD-EFGH-JKLM").unwrap();
    assert_eq!(admin.secret_part, None);
    assert!(enrolment_mac(&admin, &[1; 32]).is_err());
    for bad in [
        "",
        "ABCD",
        "ABCD-EFGH-JKLM-NP",
        "ABCD-EFGH-JKLM-NPQR-STUV-W",
    ] {
        assert_eq!(split_code(bad), Err(E2eError::Malformed("code")), "{bad}");
    }
}

#[test]
fn the_enrolment_mac_proves_the_secret_for_one_key() {
    let code = split_code("ABCD-EFGH-JKLM-NPQR-STUV").unwrap();
    let laptop = KeyPair::generate();
    let mac = enrolment_mac(&code, laptop.public()).unwrap();
    assert!(verify_enrolment_mac(&code, laptop.public(), &mac));
    // Another key (the server's own), another secret, a cut MAC: no.
    let other = KeyPair::generate();
    assert!(!verify_enrolment_mac(&code, other.public(), &mac));
    let guess = split_code("ABCD-EFGH-JKLM-NPQR-STUW").unwrap();
    assert!(!verify_enrolment_mac(&guess, laptop.public(), &mac));
    assert!(!verify_enrolment_mac(&code, laptop.public(), &mac[..31]));
}

#[test]
fn a_code_record_opens_only_for_its_organisation_epoch_and_code() {
    let org = SecretKey::random();
    let sealed = seal_code_record(&org, "Fundacja A", 1, &H1, b"record");
    assert_eq!(
        open_code_record(&org, "Fundacja A", 1, &H1, &sealed).unwrap(),
        b"record"
    );
    assert!(open_code_record(&org, "Fundacja B", 1, &H1, &sealed).is_err());
    assert!(open_code_record(&org, "Fundacja A", 2, &H1, &sealed).is_err());
    assert!(open_code_record(&org, "Fundacja A", 1, &H2, &sealed).is_err());
    assert!(open_code_record(&SecretKey::random(), "Fundacja A", 1, &H1, &sealed).is_err());
}

#[test]
fn check_codes_are_six_digits_and_tell_keys_apart() {
    let a = KeyPair::generate();
    let b = KeyPair::generate();
    let ca = check_code(a.public());
    assert_eq!(ca.len(), 7);
    assert!(ca[..3]
        .chars()
        .chain(ca[4..].chars())
        .all(|c| c.is_ascii_digit()));
    assert_eq!(ca, check_code(a.public()));
    assert_ne!(ca, check_code(b.public()));
    assert_ne!(key_id(a.public()), key_id(b.public()));
}

#[test]
fn an_endorsement_holds_only_for_its_device_key_scope_and_epoch() {
    let k = SecretKey::random();
    let (pk, other_pk) = ([7u8; 32], [8u8; 32]);
    let who = Endorsee {
        organisation: "Fundacja A",
        scope: "org",
        epoch: 1,
        device_id: "dev-1",
        public: &pk,
    };
    let mac = endorse(&k, &who);
    assert!(verify_endorsement(&k, &who, &mac));
    // Another public key under the same device id (a server swapping keys), another device,
    // epoch, scope or organisation: refused.
    for other in [
        Endorsee {
            public: &other_pk,
            ..who
        },
        Endorsee {
            device_id: "dev-2",
            ..who
        },
        Endorsee { epoch: 2, ..who },
        Endorsee {
            scope: "section:psychological",
            ..who
        },
        Endorsee {
            organisation: "Fundacja B",
            ..who
        },
    ] {
        assert!(!verify_endorsement(&k, &other, &mac), "{other:?}");
    }
    // So are another key and a shortened mac.
    assert!(!verify_endorsement(&SecretKey::random(), &who, &mac));
    assert!(!verify_endorsement(&k, &who, &mac[..16]));
}

#[test]
fn an_epoch_signs_the_next_and_nothing_else() {
    let (k1, k2) = (SecretKey::random(), SecretKey::random());
    let (s1, s2) = (
        OrgSigner::of_organisation(&k1),
        OrgSigner::of_organisation(&k2),
    );
    // Derived: the same key gives the same signer.
    assert_eq!(
        s1.verifying_key(),
        OrgSigner::of_organisation(&k1).verifying_key()
    );
    assert_ne!(s1.verifying_key(), s2.verifying_key());
    let (pk2, sk2) = (*KeyPair::of_organisation(&k2).public(), s2.verifying_key());
    let next = OrgEpochKeys {
        organisation: "Fundacja A",
        epoch: 2,
        public: &pk2,
        signing: &sk2,
    };
    let link = s1.link(&next);
    assert!(verify_link(&s1.verifying_key(), &next, &link));
    // A server's own key in place of either, another epoch or organisation, a link made by
    // anyone but the previous epoch, or a damaged link: refused.
    let forged = [0x42u8; 32];
    for other in [
        OrgEpochKeys {
            public: &forged,
            ..next
        },
        OrgEpochKeys {
            signing: &forged,
            ..next
        },
        OrgEpochKeys { epoch: 3, ..next },
        OrgEpochKeys {
            organisation: "Fundacja B",
            ..next
        },
    ] {
        assert!(
            !verify_link(&s1.verifying_key(), &other, &link),
            "{other:?}"
        );
    }
    assert!(!verify_link(&s2.verifying_key(), &next, &link));
    assert!(!verify_link(&s1.verifying_key(), &next, &s2.link(&next)));
    assert!(!verify_link(&s1.verifying_key(), &next, &link[..63]));
    let mut bad = link;
    bad[10] ^= 1;
    assert!(!verify_link(&s1.verifying_key(), &next, &bad));
    assert!(!verify_link(&[0u8; 32], &next, &link));
}

#[test]
fn fingerprints_are_32_hex_digits_and_tell_epochs_apart() {
    let (pk, sk) = ([7u8; 32], [9u8; 32]);
    let keys = OrgEpochKeys {
        organisation: "Fundacja A",
        epoch: 1,
        public: &pk,
        signing: &sk,
    };
    let f = org_fingerprint(&keys);
    assert_eq!(f.len(), 39, "{f}");
    assert_eq!(f.split(' ').count(), 8);
    assert!(f.chars().all(|c| c == ' ' || c.is_ascii_hexdigit()));
    assert_eq!(f, org_fingerprint(&keys));
    assert_ne!(f, org_fingerprint(&OrgEpochKeys { epoch: 2, ..keys }));
    assert_ne!(
        f,
        org_fingerprint(&OrgEpochKeys {
            public: &sk,
            ..keys
        })
    );
}

#[test]
fn a_rule_book_signature_covers_its_text_serial_organisation_and_epoch() {
    let org_key = SecretKey::random();
    let signer = OrgSigner::of_organisation(&org_key);
    let public = signer.verifying_key();
    let book = "{\"serial\": 7}";
    let sig = signer.sign_rule_book("Fundacja A", 3, 7, book);
    assert!(verify_rule_book(&public, "Fundacja A", 3, 7, book, &sig));
    // Any other text, serial, organisation or epoch, a cut signature or another key: refused.
    for (org, epoch, serial, text, sig) in [
        ("Fundacja A", 3, 7, "{\"serial\": 8}", &sig[..]),
        ("Fundacja A", 3, 8, book, &sig[..]),
        ("Fundacja B", 3, 7, book, &sig[..]),
        ("Fundacja A", 4, 7, book, &sig[..]),
        ("Fundacja A", 3, 7, book, &sig[..63]),
    ] {
        assert!(
            !verify_rule_book(&public, org, epoch, serial, text, sig),
            "{org} {epoch} {serial} {text}"
        );
    }
    let other = OrgSigner::of_organisation(&SecretKey::random()).verifying_key();
    assert!(!verify_rule_book(&other, "Fundacja A", 3, 7, book, &sig));
}
